package dev.tokenmix.train.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.train.checkpoint.TrainCheckpoint;
import dev.tokenmix.train.data.Batch;
import dev.tokenmix.train.data.Targets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The loop on hand-made batches: divergence handling and gradient accumulation. */
class TrainerTest {
    private static final int K = 3;
    private static final int S = 16;

    @TempDir
    Path tmp;

    private static Model model() {
        return TokenMix.createModel("vit_test", ModelOptions.builder().numClasses(K).imgSize(S).seed(3).build());
    }

    private static Batch batch(long seed, int n, boolean nan) {
        Random r = new Random(seed);
        float[] x = new float[n * 3 * S * S];
        for (int i = 0; i < x.length; i++) {
            x[i] = nan && i == 5 ? Float.NaN : (float) r.nextGaussian();
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(K);
        }
        INDArray t = Nd4j.createFromArray(Targets.smoothed(labels, K, 0.0)).reshape(n, K);
        return new Batch(Nd4j.createFromArray(x).reshape(n, 3, S, S).castTo(DataType.FLOAT), t, labels, 0);
    }

    /** A source whose epoch {@code e} is {@code batches.apply(e)}. */
    private static BatchSource source(long perEpoch, IntFunction<List<Batch>> batches) {
        return new BatchSource() {
            @Override
            public int numClasses() {
                return K;
            }

            @Override
            public long batchesPerEpoch() {
                return perEpoch;
            }

            @Override
            public Iterator<Batch> batches(int epoch) {
                return batches.apply(epoch).iterator();
            }
        };
    }

    private static TrainArgs args(int epochs) {
        TrainArgs a = new TrainArgs();
        a.model = "vit_test";
        a.epochs = epochs;
        a.warmupEpochs = 0;
        a.lr = 1e-3;
        a.seed = 3;
        return a;
    }

    @Test
    void nanLossStopsWithEpochAndStepAndKeepsTheLastCheckpoint() {
        BatchSource train = source(2, e -> List.of(batch(e * 10L, 4, false), batch(e * 10L + 1, 4, e == 1)));
        BatchSource eval = source(1, e -> List.of(batch(99, 4, false)));
        Model m = model();
        Trainer t = new Trainer(m, null, train, eval, args(3), tmp);
        TrainingDivergedException ex = assertThrows(TrainingDivergedException.class, () -> t.run(null));
        assertTrue(ex.getMessage().contains("epoch 2, step 1"), ex.getMessage());

        Path ckpt = tmp.resolve(TrainCheckpoint.FILE);
        assertEquals(1, TrainCheckpoint.position(ckpt).epochsDone());
        assertEquals(1, Summary.read(tmp.resolve(Summary.FILE)).size());
        Model restored = model();
        TrainCheckpoint.restore(ckpt, restored, null, Trainer.optimizer(restored, args(3)));
        for (var p : restored.parameters().entries()) {
            assertTrue(Double.isFinite(p.array().castTo(DataType.DOUBLE).sumNumber().doubleValue()), p.key());
        }
    }

    @Test
    void accumulatingTwoHalfBatchesEqualsOneFullBatch() {
        Batch full = batch(5, 8, false);
        List<Batch> halves = new ArrayList<>();
        for (int h = 0; h < 2; h++) {
            INDArray x = full.images().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(4 * h, 4 * h + 4)).dup();
            INDArray y = full.targets().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(4 * h, 4 * h + 4)).dup();
            halves.add(new Batch(x, y, java.util.Arrays.copyOfRange(full.labels(), 4 * h, 4 * h + 4), h));
        }
        BatchSource eval = source(1, e -> List.of(full));
        Model a = model();
        new Trainer(a, null, source(1, e -> List.of(full)), eval, args(1), tmp.resolve("a")).run(null);
        Model b = model();
        TrainArgs accum = args(1);
        accum.gradAccumSteps = 2;
        new Trainer(b, null, source(2, e -> halves), eval, accum, tmp.resolve("b")).run(null);
        for (var p : a.parameters().parameters()) {
            INDArray d = p.array().sub(b.parameters().array(p.key()));
            assertEquals(0.0, d.amaxNumber().doubleValue(), 1e-5, p.key());
        }
    }
}
