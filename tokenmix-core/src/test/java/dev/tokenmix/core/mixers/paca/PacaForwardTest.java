package dev.tokenmix.core.mixers.paca;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.ShapeMismatchException;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Keys, shapes and values of the PaCa primitives against a direct computation. */
class PacaForwardTest {

    private static List<String> keys(ParameterStore st) {
        List<String> k = new ArrayList<>();
        st.entries().forEach(p -> k.add(p.key() + " " + java.util.Arrays.toString(p.torchShape())));
        return k;
    }

    @Test
    void keysFollowTheOfficialCode() {
        ParameterStore st = new ParameterStore(DataType.FLOAT);
        new PatchToClusterAttention(Scope.root(st, 1).child("attn"), 8, 2, 5, ClusteringKind.P2CCONV, 4, 7, 1e-6, 0, 0);
        assertEquals(List.of("attn.cluster_norm.weight [8]", "attn.cluster_norm.bias [8]",
                "attn.clustering.clustering.0.weight [8, 1, 7, 7]", "attn.clustering.clustering.0.bias [8]",
                "attn.clustering.clustering.2.weight [8, 8, 1, 1]", "attn.clustering.clustering.2.bias [8]",
                "attn.clustering.clustering.4.weight [5, 8, 1, 1]", "attn.q.weight [8, 8]", "attn.q.bias [8]",
                "attn.k.weight [8, 8]", "attn.k.bias [8]", "attn.v.weight [8, 8]", "attn.v.bias [8]",
                "attn.proj.weight [8, 8]", "attn.proj.bias [8]"), keys(st));
        ParameterStore mlp = new ParameterStore(DataType.FLOAT);
        new P2CMlp(Scope.root(mlp, 1), 8, 5, 32);
        assertEquals(List.of("clustering.0.weight [32, 8]", "clustering.0.bias [32]", "clustering.2.weight [5, 32]",
                "clustering.2.bias [5]"), keys(mlp));
        ParameterStore none = new ParameterStore(DataType.FLOAT);
        new PatchToClusterAttention(Scope.root(none, 1), 8, 2, 0, ClusteringKind.P2CCONV, 4, 7, 1e-6, 0, 0);
        assertEquals(8, none.entries().size(), "M = 0: only q, k, v, proj");
    }

    @Test
    void attentionMatchesADirectComputation() {
        ParameterStore st = new ParameterStore(DataType.DOUBLE);
        Scope sc = Scope.root(st, 4);
        long b = 2, n = 6, c = 4, m = 3, heads = 2;
        PatchToClusterAttention a = new PatchToClusterAttention(sc, c, heads, m, ClusteringKind.P2CLINEAR, 4, 7, 1e-6, 0, 0);
        Nd4j.getRandom().setSeed(7);
        for (var p : st.entries()) {
            p.array().assign(Nd4j.rand(DataType.DOUBLE, p.array().shape()).subi(0.5));
        }
        INDArray x = Nd4j.rand(DataType.DOUBLE, b, n, c).subi(0.5);
        Ops ops = new Ops(st, Mode.EVAL);
        Tensor in = ops.placeholder("x", -1, n, c);
        PatchToClusterAttention.Output o = a.apply(ops, in, 2, 3, null);
        Map<String, INDArray> r = ops.sameDiff().output(Map.of("x", x), o.out().var().name(), o.z().var().name());
        INDArray got = r.get(o.out().var().name());
        assertArrayEquals(new long[] {b, m, n}, r.get(o.z().var().name()).shape());

        INDArray wz = st.array("clustering.clustering.0.weight"); // [M, C]
        double d = (double) c / heads;
        for (int bi = 0; bi < b; bi++) {
            INDArray xb = x.slice(bi); // [N, C]
            INDArray logits = wz.mmul(xb.transpose()); // [M, N]
            INDArray z = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax(logits.dup(), 1))[0];
            INDArray cl = z.mmul(xb); // [M, C]
            INDArray mu = cl.mean(true, 1);
            INDArray cen = cl.subColumnVector(mu);
            INDArray var = cen.mul(cen).mean(true, 1);
            INDArray cn = cen.divColumnVector(Transforms.sqrt(var.add(1e-6)))
                    .mulRowVector(st.array("cluster_norm.weight")).addRowVector(st.array("cluster_norm.bias"));
            INDArray q = lin(xb, st, "q"), k = lin(cn, st, "k"), v = lin(cn, st, "v");
            INDArray out = Nd4j.zeros(DataType.DOUBLE, n, c);
            for (int h = 0; h < heads; h++) {
                int s0 = (int) (h * d), s1 = (int) ((h + 1) * d);
                INDArray qh = q.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(s0, s1));
                INDArray kh = k.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(s0, s1));
                INDArray vh = v.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(s0, s1));
                INDArray att = qh.mmul(kh.transpose()).muli(1 / Math.sqrt(d)); // [N, M]
                att = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax(att.dup(), 1))[0];
                out.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(s0, s1))
                        .assign(att.mmul(vh));
            }
            INDArray expected = lin(out, st, "proj");
            assertTrue(expected.equalsWithEps(got.slice(bi), 1e-10), "sample " + bi);
        }
    }

    private static INDArray lin(INDArray x, ParameterStore st, String name) {
        return x.mmul(st.array(name + ".weight").transpose()).addRowVector(st.array(name + ".bias"));
    }

    @Test
    void missingAssignmentAndWrongGridAreRefused() {
        ParameterStore st = new ParameterStore(DataType.FLOAT);
        PatchToClusterAttention shared = new PatchToClusterAttention(Scope.root(st, 1).child("b"), 8, 2, 4, null, 4, 7,
                1e-6, 0, 0);
        Ops ops = new Ops(st, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 6, 8);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> shared.apply(ops, x, 2, 3, null));
        assertEquals("b", e.modulePath());
        ShapeMismatchException g = assertThrows(ShapeMismatchException.class, () -> shared.apply(ops, x, 2, 2, null));
        assertTrue(g.getMessage().contains("2x2"), g.getMessage());
    }
}
