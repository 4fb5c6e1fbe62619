package dev.tokenmix.core.engine.exec;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.testing.Dense;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batched products per matrix give libnd4j's batched {@code matmul} and {@code matmul_bp}, and one product's
 * backward as two products its {@code matmul_bp} (or either gradient alone), for every transpose.
 */
class MatrixProductsTest {

    @Test
    void productsEqualLibnd4jsOpsForEveryTranspose() {
        MatrixProducts one = new MatrixProducts(Nd4j.getExecutioner(), new ParallelRanges(1));
        MatrixProducts three = new MatrixProducts(Nd4j.getExecutioner(), new ParallelRanges(3));
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                check(one, ta, tb, new int[] {2, 3}, 5, 4, 6);
                check(three, ta, tb, new int[] {7}, 3, 8, 2); // 7 matrices over three threads: 3 + 3 + 1
                check(one, ta, tb, new int[0], 5, 4, 6); // one 2-D product: its backward as two products
            }
        }
    }

    /**
     * {@code [lead..., m, k] x [lead..., k, n]}, each operand stored transposed where its flag says so; without
     * leading axes the backward is {@link MatrixProducts#backward}, the one of a single 2-D product.
     */
    private static void check(MatrixProducts products, boolean ta, boolean tb, int[] lead, int m, int k, int n) {
        String what = (ta ? "a^T" : "a") + " " + (tb ? "b^T" : "b") + " over " + lead.length + " leading axes";
        long seed = (ta ? 1 : 0) + (tb ? 2 : 0) + 10L * lead.length;
        INDArray a = Dense.uniform(seed, -1, 1, shape(lead, ta ? k : m, ta ? m : k)).toNd4j(DataType.FLOAT);
        INDArray b = Dense.uniform(seed + 1, -1, 1, shape(lead, tb ? n : k, tb ? k : n)).toNd4j(DataType.FLOAT);
        INDArray dc = Dense.uniform(seed + 2, -1, 1, shape(lead, m, n)).toNd4j(DataType.FLOAT);

        INDArray want = Nd4j.create(shape(lead, m, n), DataType.FLOAT);
        Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(a, b).addOutputs(want)
                .addIntegerArguments(ta ? 1 : 0, tb ? 1 : 0, 0).build());
        INDArray got = Nd4j.create(shape(lead, m, n), DataType.FLOAT);
        products.batched(a, b, got, ta, tb).run();
        assertClose(want, got, what + ": forward");

        INDArray wantDa = a.ulike();
        INDArray wantDb = b.ulike();
        Nd4j.exec(DynamicCustomOp.builder("matmul_bp").addInputs(a, b, dc).addOutputs(wantDa, wantDb)
                .addIntegerArguments(ta ? 1 : 0, tb ? 1 : 0, 0).build());
        INDArray da = a.ulike();
        INDArray db = b.ulike();
        (lead.length == 0 ? products.backward(a, b, dc, da, db, ta, tb)
                : products.batchedBackward(a, b, dc, da, db, ta, tb)).run();
        assertClose(wantDa, da, what + ": gradient of a");
        assertClose(wantDb, db, what + ": gradient of b");
        if (lead.length == 0) { // a gradient nothing reads is left out, the other is the same
            INDArray onlyDb = b.ulike();
            products.backward(a, b, dc, null, onlyDb, ta, tb).run();
            assertClose(wantDb, onlyDb, what + ": gradient of b alone");
            INDArray onlyDa = a.ulike();
            products.backward(a, b, dc, onlyDa, null, ta, tb).run();
            assertClose(wantDa, onlyDa, what + ": gradient of a alone");
        }
    }

    @Test
    void onlyDenseBatchesOfLargeEnoughMatricesSplit() {
        INDArray q = Nd4j.create(DataType.FLOAT, 16, 3136, 48); // PaCa-ViT-Tiny's first stage: 15 M each with 100
        INDArray k = Nd4j.create(DataType.FLOAT, 16, 100, 48); // clusters
        assertTrue(MatrixProducts.splits(q, k, false, true));
        INDArray deit = Nd4j.create(DataType.FLOAT, 24, 197, 64); // DeiT-Tiny's attention: 2.5 M each
        assertFalse(MatrixProducts.splits(deit, deit, false, true));
        INDArray slots = Nd4j.create(DataType.FLOAT, 128, 64, 32); // GLNet's slot attention: 0.13 M each
        assertFalse(MatrixProducts.splits(slots, slots, false, true));
        INDArray flat = q.reshape(16 * 3136, 48);
        assertFalse(MatrixProducts.splits(flat, flat, true, false), "a 2-D product is not a batch");
        assertFalse(MatrixProducts.splits(q.permute(1, 0, 2), q.permute(1, 0, 2), false, true),
                "a permuted view is not dense");
        assertFalse(MatrixProducts.splits(q, Nd4j.create(DataType.FLOAT, 8, 100, 48), false, true),
                "leading axes differ");
    }

    private static int[] shape(int[] lead, int rows, int cols) {
        int[] s = new int[lead.length + 2];
        System.arraycopy(lead, 0, s, 0, lead.length);
        s[lead.length] = rows;
        s[lead.length + 1] = cols;
        return s;
    }

    private static void assertClose(INDArray want, INDArray got, String what) {
        double diff = want.sub(got).amaxNumber().doubleValue();
        assertTrue(diff < 1e-5, what + ": max difference " + diff);
    }
}
