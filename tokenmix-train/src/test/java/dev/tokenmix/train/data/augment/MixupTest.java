package dev.tokenmix.train.data.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MixupTest {
    private static final int B = 4;
    private static final int C = 3;
    private static final int H = 10;
    private static final int W = 12;
    private static final int K = 5;
    private static final int[] LABELS = {0, 1, 2, 3};

    /** Image n is constant n + 1, so every mixed pixel tells which images it came from. */
    private static float[] images() {
        float[] x = new float[B * C * H * W];
        for (int n = 0; n < B; n++) {
            java.util.Arrays.fill(x, n * C * H * W, (n + 1) * C * H * W, n + 1);
        }
        return x;
    }

    @Test
    void mixupBlendsWithTheReversedBatchAndTargetsAreLamAndOneMinusLam() {
        Mixup m = Mixup.builder().mixupAlpha(1.0).build();
        for (int s = 0; s < 10; s++) {
            float[] x = images();
            Mixup.Result r = m.apply(x, B, C, H, W, LABELS, K, 0.0, new SplittableRandom(s));
            double lam = r.lam()[0];
            assertTrue(lam >= 0 && lam <= 1);
            assertNull(r.boxes()[0]);
            for (int n = 0; n < B; n++) {
                float expected = (float) (lam * (n + 1) + (1 - lam) * (B - n));
                assertEquals(expected, x[n * C * H * W + 17], 1e-5);
                double sum = 0;
                for (int k = 0; k < K; k++) {
                    sum += r.targets()[n * K + k];
                }
                assertEquals(1.0, sum, 1e-5);
                assertEquals(lam, r.targets()[n * K + LABELS[n]], 1e-6);
                assertEquals(1 - lam, r.targets()[n * K + LABELS[B - 1 - n]], 1e-6);
                assertEquals(0, r.targets()[n * K + 4], 0);
            }
        }
    }

    @Test
    void cutmixLamIsTheUncoveredAreaAndTheBoxHoldsThePartner() {
        Mixup m = Mixup.builder().mixupAlpha(0).cutmixAlpha(1.0).build();
        int boxes = 0;
        for (int s = 0; s < 20; s++) {
            float[] x = images();
            Mixup.Result r = m.apply(x, B, C, H, W, LABELS, K, 0.1, new SplittableRandom(s));
            if (r.boxes()[0] == null) {
                continue;
            }
            boxes++;
            int[] b = r.boxes()[0];
            int inside = 0;
            for (int y = 0; y < H; y++) {
                for (int xx = 0; xx < W; xx++) {
                    float v = x[(0 * C + 2) * H * W + y * W + xx];
                    boolean in = y >= b[0] && y < b[1] && xx >= b[2] && xx < b[3];
                    assertEquals(in ? B : 1, v, 0f, "pixel " + y + "," + xx);
                    inside += in ? 1 : 0;
                }
            }
            assertEquals(1.0 - (double) inside / (H * W), r.lam()[0], 1e-12);
            double off = 0.1 / K;
            assertEquals(r.lam()[0] * (1 - 0.1 + off) + (1 - r.lam()[0]) * off, r.targets()[LABELS[0]], 1e-6);
        }
        assertTrue(boxes > 10, "boxes " + boxes);
    }

    @Test
    void probabilityZeroLeavesTheBatchAndGivesSmoothedOneHot() {
        Mixup m = Mixup.builder().mixupAlpha(1.0).cutmixAlpha(1.0).prob(0.0).build();
        float[] x = images();
        Mixup.Result r = m.apply(x, B, C, H, W, LABELS, K, 0.0, new SplittableRandom(1));
        assertEquals(1.0, r.lam()[0]);
        assertEquals(images()[B * C * H * W - 1], x[B * C * H * W - 1]);
        assertEquals(1f, r.targets()[K + 1]);
    }

    @Test
    void elemModeMixesEachSampleWithItsOwnLam() {
        Mixup m = Mixup.builder().mixupAlpha(1.0).mode(Mixup.Mode.ELEM).build();
        float[] x = images();
        Mixup.Result r = m.apply(x, B, C, H, W, LABELS, K, 0.0, new SplittableRandom(3));
        assertTrue(r.lam()[0] != r.lam()[1]);
        for (int n = 0; n < B; n++) {
            float expected = (float) (r.lam()[n] * (n + 1) + (1 - r.lam()[n]) * (B - n));
            assertEquals(expected, x[n * C * H * W + 5], 1e-5);
            assertEquals(r.lam()[n], r.targets()[n * K + LABELS[n]], 1e-6);
        }
    }

    @Test
    void pairModeGivesBothPartnersTheSameDrawAndNeedsAnEvenBatch() {
        Mixup m = Mixup.builder().mixupAlpha(0).cutmixAlpha(1.0).mode(Mixup.Mode.PAIR).build();
        float[] x = images();
        Mixup.Result r = m.apply(x, B, C, H, W, LABELS, K, 0.0, new SplittableRandom(5));
        for (int n = 0; n < B; n++) {
            assertEquals(r.lam()[n], r.lam()[B - 1 - n]);
            assertTrue(java.util.Arrays.equals(r.boxes()[n], r.boxes()[B - 1 - n]));
        }
        int[] box = r.boxes()[0];
        assertNotNull(box);
        // Inside the box, sample 0 shows sample 3 and sample 3 shows sample 0.
        assertEquals(B, x[box[0] * W + box[2]], 0f);
        assertEquals(1, x[3 * C * H * W + box[0] * W + box[2]], 0f);
        assertThrows(IllegalArgumentException.class, () -> m.apply(new float[3 * C * H * W], 3, C, H, W,
                new int[] {0, 1, 2}, K, 0.0, new SplittableRandom(1)));
    }

    @Test
    void switchProbabilityPicksCutmixAboutThatOften() {
        Mixup m = Mixup.builder().mixupAlpha(1.0).cutmixAlpha(1.0).switchProb(0.3).build();
        SplittableRandom rng = new SplittableRandom(4);
        int cut = 0;
        for (int i = 0; i < 2000; i++) {
            cut += m.sample(rng).cutmix() ? 1 : 0;
        }
        assertEquals(0.3, cut / 2000.0, 0.04);
    }

    @Test
    void betaSamplesHaveTheRightMeanAndShape() {
        SplittableRandom rng = new SplittableRandom(8);
        double sum = 0;
        int extreme = 0;
        for (int i = 0; i < 4000; i++) {
            sum += BetaSampler.beta(2.0, 6.0, rng);
            double v = BetaSampler.beta(0.2, 0.2, rng);
            extreme += v < 0.1 || v > 0.9 ? 1 : 0;
        }
        assertEquals(0.25, sum / 4000, 0.01);
        // Beta(0.2, 0.2) puts about 67% of its mass outside [0.1, 0.9].
        assertEquals(0.67, extreme / 4000.0, 0.04);
    }

    @Test
    void minMaxBoxesHaveSidesInRange() {
        Mixup m = Mixup.builder().cutmixMinMax(0.2, 0.5).build();
        for (int s = 0; s < 20; s++) {
            int[] b = m.cutmixBox(100, 80, 0.5, new SplittableRandom(s));
            assertNotNull(b);
            assertTrue(b[1] - b[0] >= 20 && b[1] - b[0] < 50);
            assertTrue(b[3] - b[2] >= 16 && b[3] - b[2] < 40);
            assertTrue(b[0] >= 0 && b[1] <= 100 && b[2] >= 0 && b[3] <= 80);
        }
    }

    @Test
    void badSettingsNameTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Mixup.builder().prob(1.5).build());
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Mixup.builder().mixupAlpha(0).cutmixAlpha(0).build());
    }
}
