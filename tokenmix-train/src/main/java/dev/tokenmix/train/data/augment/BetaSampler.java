package dev.tokenmix.train.data.augment;

import java.util.random.RandomGenerator;

/**
 * Draws from Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b) (numpy's {@code np.random.beta} for the
 * parameters mixup uses). Gamma uses Marsaglia and Tsang's squeeze method, with the {@code U^(1/a)} boost for
 * shapes below 1.
 */
final class BetaSampler {
    private BetaSampler() {
    }

    static double beta(double a, double b, RandomGenerator rng) {
        double x = gamma(a, rng);
        double y = gamma(b, rng);
        double s = x + y;
        // Both gammas underflow for tiny shapes; the limit distribution puts mass 1/2 on each end.
        return s == 0 ? (rng.nextBoolean() ? 1.0 : 0.0) : x / s;
    }

    static double gamma(double shape, RandomGenerator rng) {
        if (shape <= 0) {
            throw new IllegalArgumentException("gamma shape must be positive, got " + shape);
        }
        if (shape < 1) {
            double u = rng.nextDouble();
            return gamma(shape + 1, rng) * Math.pow(u, 1.0 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1.0 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = rng.nextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rng.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }
}
