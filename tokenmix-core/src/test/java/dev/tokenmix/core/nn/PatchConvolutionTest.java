package dev.tokenmix.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.ShapeMismatchException;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.engine.TrainingStep;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Graphs;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A patch embedding's convolution as one product of its patches ({@link Conv2d#applyToPatches}) gives the
 * convolution's map flattened to tokens, and the same weight and bias gradients as libnd4j's {@code conv2d_bp}.
 * The grid is not square (2x3 patches of 4x4), so a mix-up of rows and columns shows.
 */
class PatchConvolutionTest {
    private static final int PATCH = 4;

    private final ParameterStore store = new ParameterStore(DataType.FLOAT);
    private final Conv2d conv = Conv2d.builder(Scope.root(store, 5).child("proj"), 3, 6, PATCH).stride(PATCH)
            .weightInit(Init.uniform(0.8)).biasInit(Init.uniform(0.5)).build();
    private final INDArray images = Dense.random(6, 2, 3, 8, 12).toNd4j(DataType.FLOAT); // [B, C, H, W]

    /** The convolution's map {@code [B, O, H', W']} as tokens {@code [B, H'*W', O]}. */
    private Tensor convolutionTokens(Ops ops, Tensor x) {
        Tensor map = conv.apply(ops, x);
        return ops.permute(ops.reshape(map, -1, 6, 6), 0, 2, 1); // [B, O, 2, 3] -> [B, O, 6] -> [B, 6, O]
    }

    @Test
    void givesTheConvolutionsMapAsTokens() {
        INDArray want = Graphs.run(store, Mode.EVAL, images, this::convolutionTokens);
        INDArray got = Graphs.run(store, Mode.EVAL, images, conv::applyToPatches);
        assertEquals(3, got.rank());
        Graphs.assertClose(Dense.of(want), got, 1e-5);
    }

    @Test
    void hasTheConvolutionsWeightAndBiasGradients() {
        TrainingStep.Result want = gradients(this::convolutionTokens);
        TrainingStep.Result got = gradients(conv::applyToPatches);
        assertEquals(want.loss(), got.loss(), 1e-5 * Math.abs(want.loss()));
        for (String key : new String[] {"proj.weight", "proj.bias"}) {
            INDArray g = want.gradients().get(key);
            double scale = g.amaxNumber().doubleValue();
            double diff = g.sub(got.gradients().get(key)).amaxNumber().doubleValue();
            assertTrue(scale > 0.01 && diff <= 1e-5 * scale, key + ": max difference " + diff + " at scale " + scale);
        }
    }

    /**
     * A training step whose logits are the tokens weighted by a fixed random {@code r} and averaged, so that each
     * token and channel gets a gradient of its own.
     */
    private TrainingStep.Result gradients(BiFunction<Ops, Tensor, Tensor> tokens) {
        Ops ops = new Ops(store, Mode.TRAIN);
        Tensor x = ops.placeholder("x", -1, 3, 8, 12);
        Tensor r = ops.placeholder("r", -1, 6, 6);
        Tensor t = ops.placeholder("targets", -1, 6);
        Tensor logits = ops.mean(ops.mul(tokens.apply(ops, x), r), false, 1); // [B, N, O] -> [B, O]
        return new TrainingStep(ops, ops.softTargetCrossEntropy(logits, t)).run(Map.of("x", images,
                "r", Dense.uniform(7, -1, 1, 2, 6, 6).toNd4j(DataType.FLOAT),
                "targets", Dense.uniform(8, 0, 1, 2, 6).toNd4j(DataType.FLOAT)));
    }

    @Test
    void refusesOverlappingPatchesNamingItsPath() {
        ParameterStore s = new ParameterStore(DataType.FLOAT);
        Conv2d stem = Conv2d.builder(Scope.root(s, 1).child("stem"), 3, 4, 3).stride(2).padding(1).build();
        Ops ops = new Ops(s, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 3, 8, 8);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> stem.applyToPatches(ops, x));
        assertTrue(e.getMessage().startsWith("stem: patches need a square kernel equal to the stride"),
                e.getMessage());
    }

    @Test
    void aWrongChannelCountNamesBothCountsAndTheModule() {
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 4, 8, 12);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> conv.applyToPatches(ops, x));
        assertTrue(e.getMessage().contains("expects 3 input channels but got 4"), e.getMessage());
        assertEquals("proj", e.modulePath());
    }

    @Test
    void refusesAnImageThatIsNotWholePatches() {
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 3, 8, 10);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> conv.applyToPatches(ops, x));
        assertTrue(e.getMessage().contains("needs a height and width divisible by 4"), e.getMessage());
        assertEquals("proj", e.modulePath());
    }
}
