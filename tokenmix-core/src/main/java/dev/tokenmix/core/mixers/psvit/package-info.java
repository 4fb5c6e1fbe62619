/**
 * The primitives of PSViT, "Better Vision Transformer via Token Pooling and Attention Sharing" (Chen, Li, Li, Li,
 * Bai, Lin, Sun, Yan and Ouyang, <a href="https://arxiv.org/abs/2108.03428">arXiv 2108.03428</a>): token pooling
 * on the 2-D token grid ({@link dev.tokenmix.core.mixers.psvit.TokenPooling}, {@link
 * dev.tokenmix.core.mixers.psvit.PoolingKind}) and attention that a layer either computes and hands on or reuses
 * from the previous layer ({@link dev.tokenmix.core.mixers.psvit.ShareableAttention}). No official code is public;
 * the design decisions are listed in the PSViT section of {@code docs/models.md}.
 */
package dev.tokenmix.core.mixers.psvit;
