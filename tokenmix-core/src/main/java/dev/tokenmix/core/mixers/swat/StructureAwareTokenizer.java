package dev.tokenmix.core.mixers.swat;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.LayerNorm2d;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * SWAT's structure-aware tokenizer (<a href="https://arxiv.org/abs/2111.13677">arXiv 2111.13677</a>, the official
 * {@code PatchEmbed}). Instead of projecting each {@code p x p} patch to a flat vector, it embeds the image at a finer
 * stride into {@code c = C/α²} channels and groups {@code α x α} neighbours into one token, so every token keeps the
 * 2-D layout of its patch as a {@code c x α x α} image:
 *
 * <pre>
 * t = proj21(x) [+ tile(pos_embed2)]        strided conv to `stem` channels, optional within-patch position embedding
 * t = norm2(GELU(t))                        norm2 optional: LayerNorm over channels (SWAT-Swin)
 * t = proj22(t)                             1x1 (or k x k, stride k) conv to c channels
 * tokens = norm(space_to_depth(t, α))       [B, N, c·α²]; channel ci*α² + p1*α + p2; norm optional
 * </pre>
 *
 * <p>Keys: {@code pos_embed2 [1, stem, s, s]}, {@code proj21}, {@code proj22}, {@code norm}, {@code norm2}. Use it
 * in place of a ViT/Mixer/Swin patch embedding when the following layers mix with the token structure
 * ({@link StructureAwareAttention}, {@link SpatialConvMlp}).
 *
 * <pre>{@code
 * // SWAT DeiT-Ti: 4x4/s2 conv to 128, 8x8 within-patch PE, 1x1 to 3 channels, α = 8 -> [B, 196, 192]
 * StructureAwareTokenizer t = StructureAwareTokenizer.builder(scope.child("patch_embed"), 224, 3, 192)
 *         .stem(128, 4, 2, 1).withinPatchPosition(8).alpha(8).build();
 * }</pre>
 */
public final class StructureAwareTokenizer extends Module {
    private final Conv2d proj21;
    private final Conv2d proj22;
    private final String posEmbed2;
    private final LayerNorm2d norm2;
    private final LayerNorm norm;
    private final int imgSize;
    private final int stemSize;
    private final int posSize;
    private final int alpha;
    private final int projKernel;
    private final long stemChannels;
    private final long embedDim;

    private StructureAwareTokenizer(Builder b) {
        super(b.scope);
        this.imgSize = b.imgSize;
        this.stemSize = b.stemSize();
        this.posSize = b.posSize;
        this.alpha = b.alpha;
        this.projKernel = b.projKernel;
        this.stemChannels = b.stemChannels;
        this.embedDim = b.embedDim;
        long c = b.embedDim / ((long) b.alpha * b.alpha);
        this.posEmbed2 = b.posSize > 0
                ? b.scope.parameter("pos_embed2", Init.truncNormal(0.02), 1, b.stemChannels, b.posSize, b.posSize) : null;
        this.proj21 = conv(b, b.scope.child("proj21"), b.inChans, b.stemChannels, b.stemKernel)
                .stride(b.stemStride).padding(b.stemPadding).build();
        this.proj22 = conv(b, b.scope.child("proj22"), b.stemChannels, c, b.projKernel).stride(b.projKernel).build();
        this.norm = b.tokenNormEps > 0 ? new LayerNorm(b.scope.child("norm"), b.embedDim, b.tokenNormEps) : null;
        this.norm2 = b.stemNormEps > 0 ? new LayerNorm2d(b.scope.child("norm2"), b.stemChannels, b.stemNormEps) : null;
    }

    private static Conv2d.Builder conv(Builder b, Scope s, long in, long out, int k) {
        Conv2d.Builder cb = Conv2d.builder(s, in, out, k);
        if (b.convWeightInit != null) {
            cb.weightInit(b.convWeightInit);
        }
        if (b.convBiasInit != null) {
            cb.biasInit(b.convBiasInit);
        }
        return cb;
    }

    /** A tokenizer for {@code imgSize x imgSize} images with {@code inChans} channels into tokens of width {@code embedDim}. */
    public static Builder builder(Scope scope, int imgSize, int inChans, long embedDim) {
        return new Builder(scope, imgSize, inChans, embedDim);
    }

    /** Tokens per side. */
    public int gridSize() {
        return stemSize / projKernel / alpha;
    }

    /** The side of a token's image ({@code α}); a token is a {@code (C/α²) x α x α} image. */
    public int alpha() {
        return alpha;
    }

    /** Structure channels per token, {@code C/α²}. */
    public long structureChannels() {
        return embedDim / ((long) alpha * alpha);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        if (x.rank() != 4 || x.dim(2) != imgSize || x.dim(3) != imgSize) {
            throw ops.mismatch("expected a " + imgSize + "x" + imgSize + " input but got " + x.shapeString()
                    + "; create the model with imgSize=" + (x.rank() == 4 ? x.dim(2) : "<side>")
                    + " for another resolution");
        }
        Tensor t = proj21.apply(ops, x); // [B, stem, S, S]
        if (posEmbed2 != null) {
            // tile(pos_embed2, S/s x S/s): add [1, stem, 1, s, 1, s] to the map viewed as [B, stem, S/s, s, S/s, s]
            long reps = stemSize / posSize;
            Tensor pe = ops.reshape(ops.param(posEmbed2), 1, stemChannels, 1, posSize, 1, posSize);
            Tensor blocks = ops.reshape(t, -1, stemChannels, reps, posSize, reps, posSize);
            t = ops.reshape(ops.add(blocks, pe), -1, stemChannels, stemSize, stemSize); // [B, stem, S, S]
        }
        t = Activation.GELU.apply(ops, t);
        if (norm2 != null) {
            t = norm2.apply(ops, t);
        }
        t = proj22.apply(ops, t); // [B, c, S/k, S/k]
        Tensor tokens = TokenStructure.pixelsToTokens(ops, t, alpha); // [B, N, c*α*α]
        return norm == null ? tokens : norm.apply(ops, tokens);
    }

    /** Settings of a {@link StructureAwareTokenizer}; validated by {@link #build()}. */
    public static final class Builder {
        private final Scope scope;
        private final int imgSize;
        private final int inChans;
        private final long embedDim;
        private long stemChannels = 128;
        private int stemKernel = 4;
        private int stemStride = 2;
        private int stemPadding = 1;
        private int projKernel = 1;
        private int posSize;
        private int alpha = 8;
        private double stemNormEps;
        private double tokenNormEps;
        private Init convWeightInit;
        private Init convBiasInit;

        private Builder(Scope scope, int imgSize, int inChans, long embedDim) {
            this.scope = scope;
            this.imgSize = imgSize;
            this.inChans = inChans;
            this.embedDim = embedDim;
        }

        /** {@code proj21}: a {@code kernel x kernel} convolution to {@code channels} with the given stride and padding. */
        public Builder stem(long channels, int kernel, int stride, int padding) {
            this.stemChannels = channels;
            this.stemKernel = kernel;
            this.stemStride = stride;
            this.stemPadding = padding;
            return this;
        }

        /** {@code proj22}'s kernel, equal to its stride (1 by default; SWAT DeiT-B/32 uses 2). */
        public Builder projKernel(int k) {
            this.projKernel = k;
            return this;
        }

        /** A learned {@code size x size} position embedding {@code pos_embed2}, tiled over the stem's map; 0 for none. */
        public Builder withinPatchPosition(int size) {
            this.posSize = size;
            return this;
        }

        /** Side of the block grouped into one token: tokens are {@code (C/α²) x α x α} images. */
        public Builder alpha(int a) {
            this.alpha = a;
            return this;
        }

        /** {@code norm2}: LayerNorm over the stem's channels after the GELU, epsilon {@code eps}; 0 for none. */
        public Builder stemNorm(double eps) {
            this.stemNormEps = eps;
            return this;
        }

        /** {@code norm}: LayerNorm of the tokens, epsilon {@code eps}; 0 for none. */
        public Builder tokenNorm(double eps) {
            this.tokenNormEps = eps;
            return this;
        }

        /** Initialisers of both convolutions' weights and biases (null keeps PyTorch's default). */
        public Builder convInit(Init weight, Init bias) {
            this.convWeightInit = weight;
            this.convBiasInit = bias;
            return this;
        }

        private int stemSize() {
            return (imgSize + 2 * stemPadding - stemKernel) / stemStride + 1;
        }

        public StructureAwareTokenizer build() {
            String where = "StructureAwareTokenizer " + scope.prefix() + ": ";
            if (imgSize <= 0 || inChans <= 0 || embedDim <= 0 || stemChannels <= 0) {
                throw new IllegalStateException(where + "imgSize, inChans, embedDim and stem channels must be positive, got "
                        + imgSize + ", " + inChans + ", " + embedDim + ", " + stemChannels);
            }
            if (stemKernel <= 0 || stemStride <= 0 || stemPadding < 0 || projKernel <= 0 || alpha <= 0 || posSize < 0) {
                throw new IllegalStateException(where + "stem kernel=" + stemKernel + ", stride=" + stemStride
                        + ", padding=" + stemPadding + ", projKernel=" + projKernel + ", alpha=" + alpha
                        + ", withinPatchPosition=" + posSize + " out of range");
            }
            if (embedDim % ((long) alpha * alpha) != 0) {
                throw new IllegalStateException(where + "embedDim=" + embedDim + " must be a multiple of alpha²="
                        + alpha * alpha);
            }
            int s = stemSize();
            if (s <= 0 || s % projKernel != 0 || (s / projKernel) % alpha != 0) {
                throw new IllegalStateException(where + "the stem maps " + imgSize + " pixels to " + s
                        + ", which projKernel=" + projKernel + " and alpha=" + alpha + " must divide");
            }
            if (posSize > 0 && s % posSize != 0) {
                throw new IllegalStateException(where + "withinPatchPosition=" + posSize + " must divide the stem's "
                        + s + "x" + s + " map");
            }
            if (stemNormEps < 0 || tokenNormEps < 0) {
                throw new IllegalStateException(where + "norm epsilons must be >= 0, got " + stemNormEps + ", "
                        + tokenNormEps);
            }
            return new StructureAwareTokenizer(this);
        }
    }
}
