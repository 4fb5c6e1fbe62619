/**
 * The primitives of SWAT, "Spatial Structure Within and Among Tokens" (Kahatapitiya and Ryoo, IJCAI 2023,
 * <a href="https://arxiv.org/abs/2111.13677">arXiv 2111.13677</a>): a structure-aware tokenizer that keeps the
 * 2-D layout of each patch inside its token ({@link dev.tokenmix.core.mixers.swat.StructureAwareTokenizer}), and
 * mixing layers that convolve within tokens (each token viewed as a {@code c x α x α} image) and among tokens (the
 * token grid viewed as a feature map): {@link dev.tokenmix.core.mixers.swat.StructureAwareAttention},
 * {@link dev.tokenmix.core.mixers.swat.SpatialConvMlp}. {@link dev.tokenmix.core.mixers.swat.TokenStructure} holds
 * the reshapes between tokens, token images and the pixel grid.
 *
 * <p>Parameter names follow the official code ({@code kkahatapitiya/SWAT}, a timm 0.4.13 fork): {@code proj21},
 * {@code proj22}, {@code pos_embed2}, {@code norm2}, {@code qkv_linear}, {@code proj_linear}, {@code fc1},
 * {@code fc3}, {@code fc2}.
 */
package dev.tokenmix.core.mixers.swat;
