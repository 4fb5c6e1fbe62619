package dev.tokenmix.train.data;

/**
 * Soft classification targets with timm's label smoothing: every class gets {@code smoothing / K} and the true
 * class {@code 1 - smoothing + smoothing / K}, so each row sums to 1 (timm's {@code mixup_target} and
 * {@code LabelSmoothingCrossEntropy} agree on these values).
 */
public final class Targets {
    private Targets() {
    }

    /** The smoothed one-hot targets of {@code labels}: a {@code [labels.length, numClasses]} row-major matrix. */
    public static float[] smoothed(int[] labels, int numClasses, double smoothing) {
        checkSmoothing(smoothing);
        float[] t = new float[labels.length * numClasses];
        addSmoothed(t, labels, numClasses, smoothing, 1.0);
        return t;
    }

    /**
     * Adds {@code weight} times the smoothed one-hot rows of {@code labels} to {@code targets}: mixup's
     * {@code lam * y1 + (1 - lam) * y2} is two calls.
     */
    public static void addSmoothed(float[] targets, int[] labels, int numClasses, double smoothing, double weight) {
        double off = smoothing / numClasses;
        double on = 1.0 - smoothing + off;
        for (int b = 0; b < labels.length; b++) {
            int y = labels[b];
            if (y < 0 || y >= numClasses) {
                throw new IllegalArgumentException("label " + y + " is outside 0.." + (numClasses - 1));
            }
            int row = b * numClasses;
            for (int k = 0; k < numClasses; k++) {
                targets[row + k] += (float) (weight * (k == y ? on : off));
            }
        }
    }

    static void checkSmoothing(double smoothing) {
        if (!(smoothing >= 0 && smoothing < 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + smoothing);
        }
    }
}
