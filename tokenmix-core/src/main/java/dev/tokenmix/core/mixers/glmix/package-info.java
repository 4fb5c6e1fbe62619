/**
 * The primitives of GLMix (Zhu et al., "Revisiting the Integration of Convolution and Attention for Vision
 * Backbone", NeurIPS 2024, <a href="https://arxiv.org/abs/2411.14429">arXiv 2411.14429</a>): soft clustering of
 * a feature map into a few semantic slots, global mixing among the slots with multi-head attention, dispatching
 * the slots back to the grid, a convolutional local branch, and the fusion of both branches.
 *
 * <p>Everything is built through {@link dev.tokenmix.core.engine.Ops}, so the pieces can be used in a user's own
 * graph; parameter names follow the official {@code GLMixBlock} ({@code slot_scale}, {@code init_slots},
 * {@code relation_mha}, {@code feature_conv}, {@code ls1.gamma}).
 */
package dev.tokenmix.core.mixers.glmix;
