/**
 * The primitives of PaCa-ViT, "Patch-to-Cluster Attention" (Grainger, Paniagua, Song, Cuntoor, Lee and Wu, CVPR
 * 2023, <a href="https://arxiv.org/abs/2203.11987">arXiv 2203.11987</a>): the clustering modules that assign the
 * {@code N} patch tokens of a stage softly to {@code M} clusters ({@link dev.tokenmix.core.mixers.paca.P2CConv2d},
 * {@link dev.tokenmix.core.mixers.paca.P2CMlp}, {@link dev.tokenmix.core.mixers.paca.P2CLinear}), and the
 * patch-to-cluster attention in which patches query the {@code M} cluster tokens
 * ({@link dev.tokenmix.core.mixers.paca.PatchToClusterAttention}), at cost {@code O(N M C)} instead of
 * {@code O(N² C)}. Parameter names follow the official code ({@code iVMCL/PaCaViT}).
 */
package dev.tokenmix.core.mixers.paca;
