/**
 * The primitives of STT, "Global Interaction Modelling in Vision Transformer via Super Tokens" (Farooq, Awais,
 * Ahmed and Kittler, <a href="https://arxiv.org/abs/2111.13156">arXiv 2111.13156</a>): the window layout with one
 * learned super token per window ({@link dev.tokenmix.core.mixers.stt.WindowLayout}), attention inside each window
 * over its patches and its super token ({@link dev.tokenmix.core.mixers.stt.SuperTokenWindowAttention}), and the
 * global mixing among the super tokens ({@link dev.tokenmix.core.mixers.stt.SuperTokenGlobalMixing}). No official
 * code is public; the design decisions are listed in the STT section of {@code docs/models.md}.
 */
package dev.tokenmix.core.mixers.stt;
