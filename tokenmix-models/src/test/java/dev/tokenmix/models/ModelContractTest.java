package dev.tokenmix.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.ShapeMismatchException;
import dev.tokenmix.core.engine.TrainingStep;
import dev.tokenmix.core.params.Param;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The Model contract every registered family must honour, written once and subclassed per family with its
 * tiny {@code *_test} variant (EJML's generic-test pattern).
 */
public abstract class ModelContractTest {

    /** The registered tiny variant to test. */
    protected abstract String modelName();

    protected Model create(ModelOptions.Builder b) {
        return TokenMix.createModel(modelName(), b.build());
    }

    protected Model create() {
        return create(ModelOptions.builder().seed(3));
    }

    protected INDArray input(Model m, int batch, long seed) {
        int s = m.imgSize();
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[batch * m.inChans() * s * s];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (2 * r.nextDouble() - 1);
        }
        return Nd4j.createFromArray(v).reshape(batch, m.inChans(), s, s);
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    @Test
    void forwardGivesLogitsPerSample() {
        Model m = create();
        INDArray y = m.forward(input(m, 2, 1));
        assertArrayEquals(new long[] {2, m.numClasses()}, y.shape());
        assertTrue(y.isMatrix() && !y.isNaN().any() && !y.isInfinite().any(), "logits must be finite");
    }

    @Test
    void samplesDoNotInfluenceEachOther() {
        Model m = create();
        INDArray x = input(m, 3, 2);
        INDArray all = m.forward(x);
        for (int i = 0; i < 3; i++) {
            INDArray one = m.forward(x.get(NDArrayIndex.interval(i, i + 1)).dup());
            assertTrue(maxAbsDiff(all.getRow(i).reshape(1, -1), one) < 1e-4,
                    "sample " + i + " differs when run alone: batch dimension mixed into the computation");
        }
    }

    @Test
    void forwardIsFeaturesThenHead() {
        Model m = create();
        INDArray x = input(m, 2, 3);
        INDArray feats = m.forwardFeatures(x);
        assertTrue(maxAbsDiff(m.forwardHead(feats, false), m.forward(x)) < 1e-5);
        INDArray pre = m.forwardHead(feats, true);
        assertArrayEquals(new long[] {2, m.numFeatures()}, pre.shape());
    }

    @Test
    void zeroClassesGivesPooledFeatures() {
        Model plain = create();
        Model pooled = create(ModelOptions.builder().seed(3).numClasses(0));
        INDArray x = input(plain, 2, 4);
        INDArray y = pooled.forward(x);
        assertArrayEquals(new long[] {2, plain.numFeatures()}, y.shape());
        assertTrue(maxAbsDiff(y, plain.forwardHead(plain.forwardFeatures(x), true)) < 1e-5,
                "numClasses=0 must return the pre-logits of the same weights");
        assertTrue(pooled.parameterCount() < plain.parameterCount());
    }

    @Test
    void resetClassifierChangesOnlyTheHead() {
        Model m = create();
        INDArray x = input(m, 2, 5);
        INDArray pre = m.forwardHead(m.forwardFeatures(x), true);
        long before = m.parameterCount();
        m.resetClassifier(7);
        assertEquals(7, m.numClasses());
        assertArrayEquals(new long[] {2, 7}, m.forward(x).shape());
        assertEquals(before - (long) 1000 * (m.numFeatures() + 1) + 7 * (m.numFeatures() + 1), m.parameterCount());
        assertTrue(maxAbsDiff(pre, m.forwardHead(m.forwardFeatures(x), true)) < 1e-6);
        m.resetClassifier(0);
        assertArrayEquals(new long[] {2, m.numFeatures()}, m.forward(x).shape());
    }

    @Test
    void featuresOnlyMatchesFeatureInfo() {
        Model m = create();
        List<FeatureInfo> info = m.featureInfo();
        assertFalse(info.isEmpty());
        FeatureExtractor fx = m.featuresOnly();
        List<INDArray> maps = fx.forward(input(m, 2, 6));
        assertEquals(info.size(), maps.size());
        for (int i = 0; i < maps.size(); i++) {
            long[] s = maps.get(i).shape();
            assertEquals(4, s.length);
            assertEquals(2, s[0]);
            assertEquals(info.get(i).channels(), s[1], "channels of feature " + i);
            assertEquals(m.imgSize() / info.get(i).reduction(), s[2], "reduction of feature " + i);
            assertEquals(m.imgSize() / info.get(i).reduction(), s[3], "reduction of feature " + i);
        }
        FeatureExtractor last = m.featuresOnly(-1);
        assertEquals(info.get(info.size() - 1), last.featureInfo().get(0));
        assertTrue(maxAbsDiff(last.forward(input(m, 2, 6)).get(0), maps.get(maps.size() - 1)) < 1e-6);
    }

    @Test
    void badFeatureIndexIsRefusedWithTheValidRange() {
        Model m = create();
        int n = m.featureInfo().size();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.featuresOnly(n));
        assertTrue(e.getMessage().contains(Integer.toString(n)) && e.getMessage().contains("0.." + (n - 1)), e.getMessage());
    }

    @Test
    void evalIsDeterministicEvenWithDropout() {
        Model m = create(ModelOptions.builder().seed(3).dropRate(0.3).dropPathRate(0.3));
        INDArray x = input(m, 2, 7);
        assertEquals(0.0, maxAbsDiff(m.forward(x), m.forward(x)));
    }

    @Test
    void wrongChannelCountNamesTheModuleAndShapes() {
        Model m = create();
        int s = m.imgSize();
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> m.forward(Nd4j.zeros(DataType.FLOAT, 1, m.inChans() + 1, s, s)));
        assertFalse(e.modulePath().isEmpty(), "the error must name a module");
        assertTrue(e.getMessage().contains(Integer.toString(m.inChans())) && e.getMessage().contains(Integer.toString(m.inChans() + 1)),
                e.getMessage());
    }

    @Test
    void wrongRankIsRefused() {
        Model m = create();
        assertThrows(ShapeMismatchException.class, () -> m.forward(Nd4j.zeros(DataType.FLOAT, 3, m.imgSize(), m.imgSize())));
    }

    @Test
    void trainingStepGivesGradientsForEveryParameterAndLearns() {
        Model m = create(ModelOptions.builder().seed(3).numClasses(4));
        INDArray x = input(m, 4, 8);
        INDArray t = Nd4j.zeros(DataType.FLOAT, 4, 4);
        for (int i = 0; i < 4; i++) {
            t.putScalar(i, i % 4, 1f);
        }
        TrainingStep step = m.trainingStep(m.imgSize(), m.imgSize());
        TrainingStep.Result first = step.run(Model.trainingInputs(x, t));
        assertTrue(Double.isFinite(first.loss()));
        for (Param p : m.parameters().parameters()) {
            INDArray g = first.gradients().get(p.key());
            assertTrue(g != null, "no gradient for " + p.key());
            assertArrayEquals(p.array().shape(), g.shape(), "gradient shape of " + p.key());
        }
        double loss = first.loss();
        Map<String, INDArray> grads = first.gradients();
        for (int it = 0; it < 20; it++) {
            for (Param p : m.parameters().parameters()) {
                p.array().subi(grads.get(p.key()).mul(0.2));
            }
            TrainingStep.Result r = step.run(Model.trainingInputs(x, t));
            loss = r.loss();
            grads = r.gradients();
        }
        assertTrue(loss < first.loss() * 0.5, "plain SGD on one batch should lower the loss: " + first.loss() + " -> " + loss);
    }

    @Test
    void summaryCountsParametersAndMacs() {
        Model m = create();
        ModelSummary s = m.summary(m.imgSize(), m.imgSize());
        assertEquals(m.parameterCount(), s.totalParams());
        assertTrue(s.totalMacs() > 0);
        assertEquals(s.totalMacs(), m.macs());
        assertFalse(s.rows().isEmpty());
        long topLevel = s.rows().stream().filter(r -> r.depth() == 0).mapToLong(ModelSummary.Row::macs).sum();
        assertTrue(topLevel <= s.totalMacs());
        assertNotEquals(0, s.rows().stream().filter(r -> !r.outputShape().isEmpty()).count());
    }
}
