package dev.tokenmix.models.paca;

import dev.tokenmix.core.mixers.paca.ClusteringKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hyper-parameters of a PaCa-ViT (<a href="https://arxiv.org/abs/2203.11987">arXiv 2203.11987</a>; the official
 * {@code _arch_settings} and model functions of {@code iVMCL/PaCaViT}): a four-stage pyramid (strides 4, 8, 16, 32)
 * of pre-norm blocks with patch-to-cluster attention.
 *
 * @param imgSize default input resolution (any size works; multiples of 32 keep every stage grid exact)
 * @param embedDims token width per stage
 * @param depths blocks per stage
 * @param numHeads attention heads per stage
 * @param mlpRatio MLP (and P2CMlp) hidden ratio
 * @param clusters clusters {@code M} per stage; 0 gives global self-attention in that stage
 * @param clustering the on-site clustering module (ignored with a teacher)
 * @param onsiteClustering 0: block 0 of a stage computes the assignment, the rest reuse it; k ≥ 1: every k-th block
 *     recomputes it (1 = block-wise)
 * @param clusteringKernel kernel of the P2CConv2d depthwise convolution (7)
 * @param teacherDepths mixer units per stage of the ConvMixer clustering teacher, or null for none
 * @param normEps LayerNorm epsilon (1e-6)
 * @param archDropPath the official stochastic depth rate of this architecture (a default for training recipes)
 */
public record PacaVitConfig(int imgSize, int[] embedDims, int[] depths, int[] numHeads, double mlpRatio,
                            int[] clusters, ClusteringKind clustering, int onsiteClustering, int clusteringKernel,
                            int[] teacherDepths, double normEps, double archDropPath) {

    public PacaVitConfig {
        embedDims = embedDims.clone();
        depths = depths.clone();
        numHeads = numHeads.clone();
        clusters = clusters.clone();
        teacherDepths = teacherDepths == null ? null : teacherDepths.clone();
        List<String> bad = new ArrayList<>();
        if (imgSize <= 0) {
            bad.add("imgSize=" + imgSize + " must be positive");
        }
        if (embedDims.length != 4 || depths.length != 4 || numHeads.length != 4 || clusters.length != 4
                || (teacherDepths != null && teacherDepths.length != 4)) {
            bad.add("embedDims, depths, numHeads, clusters (and teacherDepths) need 4 stages, got "
                    + Arrays.toString(embedDims) + ", " + Arrays.toString(depths) + ", " + Arrays.toString(numHeads)
                    + ", " + Arrays.toString(clusters));
        } else {
            for (int i = 0; i < 4; i++) {
                if (embedDims[i] <= 0 || numHeads[i] <= 0 || embedDims[i] % numHeads[i] != 0) {
                    bad.add("stage " + (i + 1) + ": embedDim " + embedDims[i] + " must be divisible by numHeads "
                            + numHeads[i]);
                }
                if (depths[i] <= 0 || clusters[i] < 0) {
                    bad.add("stage " + (i + 1) + ": depth " + depths[i] + " must be positive and clusters "
                            + clusters[i] + " >= 0");
                }
                if (teacherDepths != null && teacherDepths[i] <= 0) {
                    bad.add("stage " + (i + 1) + ": teacher depth " + teacherDepths[i] + " must be positive");
                }
            }
            if (embedDims[0] % 2 != 0) {
                bad.add("embedDims[0]=" + embedDims[0] + " must be even (the stem's first convolution has half)");
            }
        }
        if (!(mlpRatio > 0) || !(normEps > 0) || onsiteClustering < 0 || clusteringKernel <= 0
                || clusteringKernel % 2 == 0 || !(archDropPath >= 0 && archDropPath < 1)) {
            bad.add("mlpRatio=" + mlpRatio + ", normEps=" + normEps + " must be positive, onsiteClustering="
                    + onsiteClustering + " >= 0, clusteringKernel=" + clusteringKernel + " odd, archDropPath="
                    + archDropPath + " in [0, 1)");
        }
        if (clustering == null && teacherDepths == null) {
            bad.add("clustering must be set when there is no teacher");
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("invalid PaCa-ViT config: " + String.join("; ", bad));
        }
    }

    /** The same configuration at another default resolution. */
    public PacaVitConfig withImgSize(int size) {
        return new PacaVitConfig(size, embedDims, depths, numHeads, mlpRatio, clusters, clustering, onsiteClustering,
                clusteringKernel, teacherDepths, normEps, archDropPath);
    }

    public boolean hasTeacher() {
        return teacherDepths != null;
    }

    /** Whether block {@code j} of a stage computes its own cluster assignment. */
    public boolean clustersOnSite(int block) {
        if (hasTeacher()) {
            return false;
        }
        return onsiteClustering == 0 ? block == 0 : block % onsiteClustering == 0;
    }

    @Override
    public int[] embedDims() {
        return embedDims.clone();
    }

    @Override
    public int[] depths() {
        return depths.clone();
    }

    @Override
    public int[] numHeads() {
        return numHeads.clone();
    }

    @Override
    public int[] clusters() {
        return clusters.clone();
    }

    @Override
    public int[] teacherDepths() {
        return teacherDepths == null ? null : teacherDepths.clone();
    }
}
