package dev.tokenmix.core.params;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Parameter initialisers with the semantics of the official PyTorch code. Each fills a tensor of the
 * given PyTorch shape from a generator seeded per key, so a model's initial weights do not depend on the
 * order its modules are built in.
 */
@FunctionalInterface
public interface Init {

    /** Fills {@code out} (row-major over {@code torchShape}). */
    void fill(double[] out, long[] torchShape, SplittableRandom rnd);

    static Init zeros() {
        return constant(0.0);
    }

    static Init ones() {
        return constant(1.0);
    }

    static Init constant(double value) {
        return (out, shape, rnd) -> Arrays.fill(out, value);
    }

    /** Normal(0, std). */
    static Init normal(double std) {
        return (out, shape, rnd) -> {
            for (int i = 0; i < out.length; i++) {
                out[i] = std * gaussian(rnd);
            }
        };
    }

    /**
     * timm's {@code trunc_normal_(std=std)}: Normal(0, std) truncated to the absolute interval [-2, 2]
     * (timm's default bounds, which are absolute, not in units of std).
     */
    static Init truncNormal(double std) {
        return truncNormal(std, -2.0, 2.0);
    }

    /** Normal(0, std) truncated to [a, b], by rejection. */
    static Init truncNormal(double std, double a, double b) {
        return (out, shape, rnd) -> {
            for (int i = 0; i < out.length; i++) {
                double v;
                do {
                    v = std * gaussian(rnd);
                } while (v < a || v > b);
                out[i] = v;
            }
        };
    }

    /**
     * timm's {@code lecun_normal_} (Flax's default kernel init): a normal of std {@code sqrt(1 / fan_in) / 0.8796}
     * truncated to the absolute interval [-2, 2], {@code fan_in = prod(shape[1:])} (input channels times kernel
     * area for a convolution).
     */
    static Init lecunNormal() {
        return (out, shape, rnd) -> {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) {
                fanIn *= shape[i];
            }
            truncNormal(Math.sqrt(1.0 / Math.max(1, fanIn)) / 0.87962566103423978).fill(out, shape, rnd);
        };
    }

    /**
     * PyTorch's {@code xavier_uniform_}: Uniform(-b, b) with {@code b = sqrt(6 / (fan_in + fan_out))},
     * {@code fan_in = shape[1] * field}, {@code fan_out = shape[0] * field} (field = kernel area).
     */
    static Init xavierUniform() {
        return (out, shape, rnd) -> {
            long field = 1;
            for (int i = 2; i < shape.length; i++) {
                field *= shape[i];
            }
            long fanIn = (shape.length > 1 ? shape[1] : 1) * field;
            long fanOut = shape[0] * field;
            uniform(Math.sqrt(6.0 / (fanIn + fanOut))).fill(out, shape, rnd);
        };
    }

    /** Uniform(-bound, bound). */
    static Init uniform(double bound) {
        return (out, shape, rnd) -> {
            for (int i = 0; i < out.length; i++) {
                out[i] = (2 * rnd.nextDouble() - 1) * bound;
            }
        };
    }

    /**
     * The fan-out normal of the official convolution inits: Normal(0, sqrt(2 / fan_out)) with
     * {@code fan_out = kH * kW * out_channels / groups}.
     */
    static Init fanOutNormal(int groups) {
        return (out, shape, rnd) -> {
            long fanOut = shape[0] / groups;
            for (int i = 2; i < shape.length; i++) {
                fanOut *= shape[i];
            }
            double std = Math.sqrt(2.0 / fanOut);
            for (int i = 0; i < out.length; i++) {
                out[i] = std * gaussian(rnd);
            }
        };
    }

    /**
     * PyTorch's default for {@code nn.Linear}/{@code nn.Conv2d} weights (kaiming_uniform with a = sqrt(5)):
     * Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), {@code fan_in = prod(shape[1:])}.
     */
    static Init torchDefault() {
        return (out, shape, rnd) -> {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) {
                fanIn *= shape[i];
            }
            uniform(1.0 / Math.sqrt(Math.max(1, fanIn))).fill(out, shape, rnd);
        };
    }

    /** PyTorch's default bias init for a layer with the given fan-in: Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
    static Init torchDefaultBias(long fanIn) {
        return uniform(1.0 / Math.sqrt(Math.max(1, fanIn)));
    }

    private static double gaussian(SplittableRandom rnd) {
        // Box-Muller; SplittableRandom has no nextGaussian in Java 17.
        double u1 = rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
