package dev.tokenmix.models.paca;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.paca.Clustering;
import dev.tokenmix.core.nn.BatchNorm2d;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;
import java.util.ArrayList;
import java.util.List;

/**
 * The ConvMixer clustering teacher of PaCa-ViT (<a href="https://arxiv.org/abs/2203.11987">arXiv 2203.11987</a>;
 * the official {@code PaCaTeacher_ConvMixer} as the {@code pacavit_convmixer_*} variants configure it: it shares the
 * ViT's stem, BatchNorm, GELU, kernel 7). On the stem's map it runs four stages of ConvMixer units
 * ({@code t + BN(GELU(DWConv7(t)))} then {@code BN(GELU(Conv1x1(t)))}), with blur-first strided transitions between
 * them; a top-down FPN (bilinear 2x upsampling, lateral 1x1 unit, a mixer unit on the sum) gives one map per stage,
 * and a 1x1 convolution of each gives the assignment {@code z = softmax_N} {@code [B, M, N]} every block of that ViT
 * stage uses. The stage outputs themselves are added to the ViT's stage outputs.
 *
 * <p>Keys under {@code paca_teacher.}, per stage s: {@code block{s}.{j}.0.fn.0} (depthwise), {@code .0.fn.2} (BN),
 * {@code .1} (1x1), {@code .3} (BN); {@code transition{s}.0.blur_filter} (fixed buffer
 * {@code [[1,2,1],[2,4,2],[1,2,1]]/16} per channel), {@code transition{s}.0.conv}, {@code transition{s}.2} (BN);
 * {@code lateral{s}.0}, {@code lateral{s}.2}; {@code fpn{s}.*} (a mixer unit); {@code to_clusters{s}}.
 */
public final class PacaTeacher extends Module {
    private final List<List<MixerUnit>> blocks = new ArrayList<>();
    private final List<BlurTransition> transitions = new ArrayList<>();
    private final List<ConvUnit> laterals = new ArrayList<>();
    private final List<MixerUnit> fpns = new ArrayList<>();
    private final List<Conv2d> toClusters = new ArrayList<>();
    private final int[] clusters;

    /** The teacher's stage outputs {@code [B, C_i, H_i, W_i]} and assignments {@code [B, M_i, N_i]} (null if M = 0). */
    public record Output(List<Tensor> features, List<Tensor> assignments) {
    }

    public PacaTeacher(Scope scope, int[] dims, int[] depths, int[] clusters, int kernel) {
        super(scope);
        this.clusters = clusters.clone();
        for (int i = 0; i < 4; i++) {
            List<MixerUnit> units = new ArrayList<>();
            for (int j = 0; j < depths[i]; j++) {
                units.add(new MixerUnit(scope.child("block" + (i + 1)).child(j), dims[i], kernel));
            }
            blocks.add(units);
            if (i < 3) {
                transitions.add(new BlurTransition(scope.child("transition" + (i + 1)), dims[i], dims[i + 1]));
                laterals.add(new ConvUnit(scope.child("lateral" + (i + 1)), dims[i + 1], dims[i]));
                fpns.add(new MixerUnit(scope.child("fpn" + (i + 1)), dims[i], kernel));
            }
            toClusters.add(clusters[i] > 0
                    ? Conv2d.builder(scope.child("to_clusters" + (i + 1)), dims[i], clusters[i], 1)
                            .weightInit(Init.fanOutNormal(1)).biasInit(Init.zeros()).build()
                    : null);
        }
    }

    /** Runs the teacher on the stem's map {@code [B, C1, H, W]}. */
    public Output run(Ops ops, Tensor stem) {
        return call(ops, () -> teach(ops, stem), r -> r.features().get(3));
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return teach(ops, x).features().get(3);
    }

    private Output teach(Ops ops, Tensor x) {
        List<Tensor> outs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            for (MixerUnit u : blocks.get(i)) {
                x = u.apply(ops, x);
            }
            outs.add(x);
            if (i < 3) {
                x = transitions.get(i).apply(ops, x);
            }
        }
        Tensor[] fpn = new Tensor[4];
        fpn[3] = outs.get(3);
        for (int i = 2; i >= 0; i--) {
            Tensor o = outs.get(i);
            Tensor up = ops.resizeBilinear(fpn[i + 1], (int) o.dim(2), (int) o.dim(3)); // [B, C_{i+1}, H_i, W_i]
            fpn[i] = fpns.get(i).apply(ops, ops.add(o, laterals.get(i).apply(ops, up)));
        }
        List<Tensor> zs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            if (toClusters.get(i) == null) {
                zs.add(null);
                continue;
            }
            Tensor logits = toClusters.get(i).apply(ops, fpn[i]); // [B, M, H, W]
            long n = fpn[i].dim(2) * fpn[i].dim(3);
            Tensor z = ops.softmax(ops.reshape(logits, -1, clusters[i], n), -1); // [B, M, N], softmax over patches
            zs.add(ops.tap(Clustering.ASSIGNMENT_TAP, toClusters.get(i).path(), z));
        }
        return new Output(outs, zs);
    }

    /** {@code t + BN(GELU(DWConv_k(t)))} then {@code BN(GELU(Conv1x1(t)))}. */
    static final class MixerUnit extends Module {
        private final Conv2d dw;
        private final BatchNorm2d bn1;
        private final Conv2d pw;
        private final BatchNorm2d bn2;

        MixerUnit(Scope scope, int dim, int kernel) {
            super(scope);
            Scope fn = scope.child(0).child("fn");
            this.dw = Conv2d.builder(fn.child(0), dim, dim, kernel).padding(kernel / 2).groups(dim)
                    .weightInit(Init.fanOutNormal(dim)).biasInit(Init.zeros()).build();
            this.bn1 = new BatchNorm2d(fn.child(2), dim);
            this.pw = Conv2d.builder(scope.child(1), dim, dim, 1).weightInit(Init.fanOutNormal(1))
                    .biasInit(Init.zeros()).build();
            this.bn2 = new BatchNorm2d(scope.child(3), dim);
        }

        @Override
        protected Tensor forward(Ops ops, Tensor x) {
            Tensor t = ops.add(x, bn1.apply(ops, ops.gelu(dw.apply(ops, x))));
            return bn2.apply(ops, ops.gelu(pw.apply(ops, t)));
        }
    }

    /** {@code BN(GELU(Conv1x1(x)))}: keys {@code 0}, {@code 2}. */
    static final class ConvUnit extends Module {
        private final Conv2d conv;
        private final BatchNorm2d bn;

        ConvUnit(Scope scope, int in, int out) {
            super(scope);
            this.conv = Conv2d.builder(scope.child(0), in, out, 1).weightInit(Init.fanOutNormal(1))
                    .biasInit(Init.zeros()).build();
            this.bn = new BatchNorm2d(scope.child(2), out);
        }

        @Override
        protected Tensor forward(Ops ops, Tensor x) {
            return bn.apply(ops, ops.gelu(conv.apply(ops, x)));
        }
    }

    /**
     * Composer's blur-first {@code BlurConv2d(in, out, 3, 2, 1)} → GELU → BN: a fixed depthwise 3x3 binomial blur
     * (stride 1, zero padding 1), then the strided 3x3 convolution.
     */
    static final class BlurTransition extends Module {
        private final String blur;
        private final Conv2d conv;
        private final BatchNorm2d bn;

        BlurTransition(Scope scope, int in, int out) {
            super(scope);
            Scope b = scope.child(0);
            this.blur = b.buffer("blur_filter", PacaTeacher::blurKernel, in, 1, 3, 3);
            this.conv = Conv2d.builder(b.child("conv"), in, out, 3).stride(2).padding(1)
                    .weightInit(Init.fanOutNormal(1)).biasInit(Init.zeros()).build();
            this.bn = new BatchNorm2d(scope.child(2), out);
        }

        @Override
        protected Tensor forward(Ops ops, Tensor x) {
            Tensor k = ops.permute(ops.param(blur), 2, 3, 0, 1); // [C, 1, 3, 3] -> [3, 3, C, 1]
            Tensor blurred = ops.depthwiseConv2d(x, k, null, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1});
            return bn.apply(ops, ops.gelu(conv.apply(ops, blurred)));
        }
    }

    /** Fills {@code [C, 1, 3, 3]} with {@code [[1,2,1],[2,4,2],[1,2,1]] / 16} per channel. */
    static void blurKernel(double[] out, long[] shape, java.util.SplittableRandom rnd) {
        double[] k = {1, 2, 1, 2, 4, 2, 1, 2, 1};
        for (int i = 0; i < out.length; i++) {
            out[i] = k[i % 9] / 16.0;
        }
    }
}
