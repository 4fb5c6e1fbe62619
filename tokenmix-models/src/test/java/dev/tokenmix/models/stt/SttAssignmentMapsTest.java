package dev.tokenmix.models.stt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.mixers.stt.SuperTokenWindowAttention;
import dev.tokenmix.models.AssignmentMap;
import dev.tokenmix.models.ModelOptions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** STT's super-token attention maps: one per local layer on the patch grid, read from the marked logits. */
class SttAssignmentMapsTest {
    // stt_test: 32x32 input, stem stride 8 -> 4x4 patch grid, window M = 2 -> 2x2 windows, 2 heads, 1 local layer
    private static final int GRID = 4;
    private static final int M = 2;
    private static final int HEADS = 2;

    private static Stt model() {
        Stt m = (Stt) SttVariants.variant("stt_test").create(ModelOptions.builder().seed(3).build());
        // At initialisation the super tokens are ~0 (std 1e-6), so their queries are ~0 and their attention uniform:
        // random super tokens and larger query/key weights give peaked attention, where a misplaced patch shows.
        Nd4j.getRandom().setSeed(9);
        INDArray s = m.parameters().array("super_tokens");
        s.assign(Nd4j.randn(s.dataType(), s.shape()));
        m.parameters().array("blocks.0.attn.qkv.weight").muli(10);
        return m;
    }

    private static INDArray images() {
        Nd4j.getRandom().setSeed(5);
        return Nd4j.randn(DataType.FLOAT, 2, 3, 32, 32);
    }

    @Test
    void oneIntensityMapPerLocalLayerOnThePatchGrid() {
        List<AssignmentMap> maps = model().assignmentMaps(images());
        assertEquals(1, maps.size(), "stt_test has one local layer");
        AssignmentMap a = maps.get(0);
        assertEquals(0, a.stage());
        assertEquals("blocks.0.attn", a.module());
        assertEquals(AssignmentMap.Kind.INTENSITY, a.kind());
        assertArrayEquals(new long[] {2, 1, GRID, GRID}, a.weights().shape());
    }

    @Test
    void weightsAreTheSuperTokensSoftmaxRowOverItsPatchesAveragedOverHeads() {
        Stt m = model();
        INDArray x = images();
        INDArray got = m.assignmentMaps(x).get(0).weights();
        INDArray logits = m.activations(x, SuperTokenWindowAttention.LOGITS_TAP).get("blocks.0.attn");
        int l = 1 + M * M;
        int windows = GRID / M;
        assertArrayEquals(new long[] {2L * windows * windows, HEADS, l, l}, logits.shape());
        double spread = 0;
        for (int b = 0; b < 2; b++) {
            for (int wy = 0; wy < windows; wy++) {
                for (int wx = 0; wx < windows; wx++) {
                    int r = (b * windows + wy) * windows + wx; // windows row-major per image, images outermost
                    double[] mean = new double[l];
                    for (int h = 0; h < HEADS; h++) {
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < l; j++) {
                            max = Math.max(max, logits.getDouble(r, h, 0, j));
                        }
                        double z = 0;
                        for (int j = 0; j < l; j++) {
                            z += Math.exp(logits.getDouble(r, h, 0, j) - max);
                        }
                        for (int j = 0; j < l; j++) {
                            mean[j] += Math.exp(logits.getDouble(r, h, 0, j) - max) / z / HEADS;
                        }
                    }
                    double patches = 0;
                    for (int j = 1; j < l; j++) {
                        patches += mean[j];
                    }
                    for (int iy = 0; iy < M; iy++) {
                        for (int ix = 0; ix < M; ix++) {
                            double want = mean[1 + iy * M + ix] / patches;
                            double have = got.getDouble(b, 0, wy * M + iy, wx * M + ix);
                            assertEquals(want, have, 1e-5, "image " + b + ", window (" + wy + ", " + wx
                                    + "), patch (" + iy + ", " + ix + ")");
                            spread = Math.max(spread, Math.abs(want - 1.0 / (M * M)));
                        }
                    }
                }
            }
        }
        assertTrue(spread > 0.05, "attention far enough from uniform for the check to tell patches apart: " + spread);
    }
}
