/**
 * The primitives of the Swin Transformer, "Hierarchical Vision Transformer using Shifted Windows" (Liu et al., ICCV
 * 2021, <a href="https://arxiv.org/abs/2103.14030">arXiv 2103.14030</a>): window attention with a learned relative
 * position bias ({@link dev.tokenmix.core.mixers.swin.WindowAttention},
 * {@link dev.tokenmix.core.mixers.swin.RelativePositionBias}), the cyclic shift and its attention mask
 * ({@link dev.tokenmix.core.mixers.swin.ShiftedWindows}) and patch merging
 * ({@link dev.tokenmix.core.mixers.swin.PatchMerging}); and SWAT's structure-aware patch merging for Swin
 * ({@link dev.tokenmix.core.mixers.swin.StructureAwarePatchMerging}, arXiv 2111.13677).
 *
 * <p>Parameter and buffer names follow the official Microsoft code and timm 0.4.13:
 * {@code relative_position_bias_table}, {@code relative_position_index}, {@code attn_mask}, {@code qkv},
 * {@code proj}, {@code reduction}, {@code norm}. Nothing on a gradient path gathers: the bias lookup is a constant
 * one-hot product ({@link dev.tokenmix.core.engine.Ops#takeRows}) and the shift is made of slices.
 */
package dev.tokenmix.core.mixers.swin;
