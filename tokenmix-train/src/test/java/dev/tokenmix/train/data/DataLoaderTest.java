package dev.tokenmix.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.train.data.augment.Mixup;
import dev.tokenmix.train.data.augment.TrainTransform;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
    private static final InputConfig CFG = InputConfig.imagenet(32);

    private static DataLoader.Builder loader(int workers) {
        return DataLoader.builder()
                .dataset(SyntheticShapes.builder().classes(4).perClass(5).imageSize(36).seed(1).build())
                .transform(TrainTransform.builder(CFG, 24).autoAugment("rand-m9-mstd0.5-inc1").reprob(0.5).build())
                .batchSize(6).seed(42).workers(workers).prefetch(2).labelSmoothing(0.1)
                .mixup(Mixup.builder().mixupAlpha(0.8).cutmixAlpha(1.0).build());
    }

    private static List<float[]> flat(DataLoader.Epoch epoch) {
        List<float[]> out = new ArrayList<>();
        for (Batch b : epoch) {
            out.add(b.images().data().asFloat());
            out.add(b.targets().data().asFloat());
            out.add(toFloat(b.labels()));
        }
        return out;
    }

    private static float[] toFloat(int[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = v[i];
        }
        return f;
    }

    @Test
    void batchesDoNotDependOnTheNumberOfWorkers() {
        List<float[]> serial;
        List<float[]> parallel;
        try (DataLoader a = loader(0).build(); DataLoader b = loader(3).build()) {
            serial = flat(a.epoch(2));
            parallel = flat(b.epoch(2));
        }
        assertEquals(serial.size(), parallel.size());
        for (int i = 0; i < serial.size(); i++) {
            assertArrayEquals(serial.get(i), parallel.get(i), "array " + i);
        }
    }

    @Test
    void startingInTheMiddleGivesTheSameBatchesAsAFullPass() {
        try (DataLoader a = loader(2).build()) {
            List<float[]> full = flat(a.epoch(1));
            List<float[]> tail = flat(a.epoch(1, 2));
            assertEquals(full.size() - 2 * 3, tail.size());
            for (int i = 0; i < tail.size(); i++) {
                assertArrayEquals(full.get(i + 6), tail.get(i));
            }
        }
    }

    @Test
    void epochsShuffleDifferentlyAndVisitEverySampleOnce() {
        try (DataLoader l = loader(0).build()) {
            int[] e0 = l.order(0);
            int[] e1 = l.order(1);
            assertFalse(Arrays.equals(e0, e1));
            int[] sorted = e0.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                assertEquals(i, sorted[i]);
            }
        }
    }

    @Test
    void shapesLabelsAndSmoothedTargets() {
        SyntheticShapes ds = SyntheticShapes.builder().classes(4).perClass(5).imageSize(32).build();
        try (DataLoader l = DataLoader.builder().dataset(ds).transform(SampleTransform.eval(CFG, 32)).batchSize(8)
                .shuffle(false).workers(1).labelSmoothing(0.2).build()) {
            assertEquals(3, l.batchesPerEpoch());
            List<Batch> batches = new ArrayList<>();
            l.epoch(0).forEach(batches::add);
            assertEquals(3, batches.size());
            Batch last = batches.get(2);
            assertArrayEquals(new long[] {4, 3, 32, 32}, last.images().shape());
            assertArrayEquals(new long[] {4, 4}, last.targets().shape());
            Batch first = batches.get(0);
            float[] t = first.targets().data().asFloat();
            for (int b = 0; b < 8; b++) {
                assertEquals(ds.label(b), first.labels()[b]);
                for (int k = 0; k < 4; k++) {
                    float expected = k == first.labels()[b] ? 1 - 0.2f + 0.05f : 0.05f;
                    assertEquals(expected, t[b * 4 + k], 1e-6);
                }
            }
            // Eval batches hold exactly the eval transform of each image.
            float[] img0 = new EvalTransform(CFG, 32).toChw(ds.get(0).image());
            float[] got = Arrays.copyOf(first.images().data().asFloat(), img0.length);
            assertArrayEquals(img0, got, 0f);
        }
    }

    @Test
    void dropLastDropsTheShortBatch() {
        SyntheticShapes ds = SyntheticShapes.builder().classes(2).perClass(5).imageSize(16).build();
        try (DataLoader l = DataLoader.builder().dataset(ds).transform(SampleTransform.eval(InputConfig.imagenet(16), 16))
                .batchSize(4).dropLast(true).workers(0).build()) {
            assertEquals(2, l.batchesPerEpoch());
            int n = 0;
            for (Batch b : l.epoch(0)) {
                assertEquals(4, b.size());
                n++;
            }
            assertEquals(2, n);
        }
    }

    @Test
    void unreadableSamplesAreReplacedAndCounted() {
        SyntheticShapes base = SyntheticShapes.builder().classes(2).perClass(3).imageSize(16).build();
        ImageDataset broken = new ImageDataset() {
            public int size() {
                return base.size();
            }

            public List<String> classNames() {
                return base.classNames();
            }

            public int label(int i) {
                return base.label(i);
            }

            public Sample get(int i) {
                if (i == 2) {
                    throw new UnreadableImageException("corrupt", null);
                }
                return base.get(i);
            }

            public String describe(int i) {
                return base.describe(i);
            }
        };
        SampleTransform eval = SampleTransform.eval(InputConfig.imagenet(16), 16);
        try (DataLoader l = DataLoader.builder().dataset(broken).transform(eval).batchSize(6).shuffle(false)
                .workers(2).build()) {
            Batch b = l.epoch(0).next();
            assertEquals(1, l.unreadableCount());
            float[] x = b.images().data().asFloat();
            int chw = 3 * 16 * 16;
            assertArrayEquals(Arrays.copyOfRange(x, 3 * chw, 4 * chw), Arrays.copyOfRange(x, 2 * chw, 3 * chw));
            // The replacement brings its own label.
            assertEquals(base.label(3), b.labels()[2]);
            assertTrue(base.label(2) != base.label(3));
        }
    }

    @Test
    void badSettingsAreRejected() {
        SyntheticShapes ds = SyntheticShapes.builder().classes(2).perClass(2).imageSize(16).build();
        SampleTransform t = SampleTransform.eval(InputConfig.imagenet(16), 16);
        assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder().dataset(ds).transform(t).batchSize(0).build());
        assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder().dataset(ds).transform(t).labelSmoothing(1.0).build());
        DatasetException e = assertThrows(DatasetException.class,
                () -> DataLoader.builder().dataset(ds).transform(t).batchSize(8).dropLast(true).build());
        assertTrue(e.getMessage().contains("batch size"), e.getMessage());
    }
}
