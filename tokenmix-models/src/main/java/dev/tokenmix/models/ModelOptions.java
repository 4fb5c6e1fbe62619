package dev.tokenmix.models;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Options a user may set when creating any registered model (timm's {@code create_model} keyword arguments).
 * Unset values take the variant's defaults.
 *
 * <pre>{@code
 * Model m = TokenMix.createModel("deit_tiny_patch16_224",
 *         ModelOptions.builder().numClasses(10).dropPathRate(0.1).build());
 * }</pre>
 *
 * @param numClasses classifier outputs; 0 removes the classifier (the model returns pooled features); null for
 *     the variant's default (1000)
 * @param imgSize the input resolution the model is built for (position embeddings, windows); null for the
 *     variant's default
 * @param inChans input channels; null for 3
 * @param dropRate dropout rate of the classifier input and MLPs
 * @param dropPathRate stochastic depth rate, increasing linearly over the blocks to this value
 * @param seed seed of the initial weights
 * @param dataType parameter and activation type (FLOAT, or DOUBLE for gradient checks)
 */
public record ModelOptions(Integer numClasses, Integer imgSize, Integer inChans, double dropRate, double dropPathRate,
                           long seed, DataType dataType) {

    public ModelOptions {
        if (numClasses != null && numClasses < 0) {
            throw new IllegalArgumentException("numClasses must be >= 0, got " + numClasses);
        }
        if (imgSize != null && imgSize <= 0) {
            throw new IllegalArgumentException("imgSize must be positive, got " + imgSize);
        }
        if (inChans != null && inChans <= 0) {
            throw new IllegalArgumentException("inChans must be positive, got " + inChans);
        }
        if (!(dropRate >= 0 && dropRate < 1) || !(dropPathRate >= 0 && dropPathRate < 1)) {
            throw new IllegalArgumentException("dropRate and dropPathRate must be in [0, 1), got " + dropRate + ", "
                    + dropPathRate);
        }
        if (dataType == null || !dataType.isFPType()) {
            throw new IllegalArgumentException("dataType must be a floating point type, got " + dataType);
        }
    }

    /** All defaults: the variant's classes and resolution, no dropout, seed 0, FLOAT. */
    public static ModelOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public int numClassesOr(int dflt) {
        return numClasses == null ? dflt : numClasses;
    }

    public int imgSizeOr(int dflt) {
        return imgSize == null ? dflt : imgSize;
    }

    public int inChansOr(int dflt) {
        return inChans == null ? dflt : inChans;
    }

    /** Settings of {@link ModelOptions}; all optional. */
    public static final class Builder {
        private Integer numClasses;
        private Integer imgSize;
        private Integer inChans;
        private double dropRate;
        private double dropPathRate;
        private long seed;
        private DataType dataType = DataType.FLOAT;

        public Builder numClasses(int n) {
            this.numClasses = n;
            return this;
        }

        public Builder imgSize(int s) {
            this.imgSize = s;
            return this;
        }

        public Builder inChans(int c) {
            this.inChans = c;
            return this;
        }

        public Builder dropRate(double r) {
            this.dropRate = r;
            return this;
        }

        public Builder dropPathRate(double r) {
            this.dropPathRate = r;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public Builder dataType(DataType t) {
            this.dataType = t;
            return this;
        }

        public ModelOptions build() {
            return new ModelOptions(numClasses, imgSize, inChans, dropRate, dropPathRate, seed, dataType);
        }
    }
}
