package dev.tokenmix.train.data.augment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * RandAugment (<a href="https://arxiv.org/abs/1909.13719">Cubuk et al., 2019</a>) as timm implements it, configured
 * by timm's string: {@code rand-m9-mstd0.5-inc1} means magnitude 9 (of 10), magnitude noise with std 0.5, the
 * "increasing" op set. Sections after {@code rand}, separated by {@code -}:
 * <ul>
 *   <li>{@code m} magnitude (default 10), {@code n} ops per image (default 2),
 *   <li>{@code mstd} std of the gaussian noise on the magnitude per op (above 100: uniform in [0, m]),
 *   <li>{@code mmax} magnitude ceiling (default 10), {@code inc} 1 for the increasing op set,
 *   <li>{@code p} probability of each chosen op (default 0.5), {@code w} op weight table index (0 only).
 * </ul>
 *
 * <p>Ops and magnitude mapping follow timm's {@code auto_augment.py}: AutoContrast, Equalize, Invert, Rotate (up to
 * 30°), Posterize, Solarize, SolarizeAdd (up to +110), Color, Contrast, Brightness, Sharpness (factor
 * {@code 0.1..1.9}, or {@code 1 ± 0.9 m/10} increasing), ShearX/Y (up to 0.3), TranslateX/YRel (up to 45% of the
 * side); rotations, shears and translations take a random sign and fill with the dataset mean colour. Ops are
 * picked with replacement, or by the weight table without replacement when {@code w0} is given. Ops run on
 * {@link RgbImage} with Pillow's 8-bit rounding; geometric ops sample bilinearly.
 */
public final class RandAugment {
    private static final double LEVEL_DENOM = 10.0;

    /** timm's RandAugment op names, in its order. */
    static final List<String> OPS = List.of("AutoContrast", "Equalize", "Invert", "Rotate", "Posterize",
            "Solarize", "SolarizeAdd", "Color", "Contrast", "Brightness", "Sharpness", "ShearX", "ShearY",
            "TranslateXRel", "TranslateYRel");
    /** timm's increasing set: the same ops where a larger magnitude always means a stronger change. */
    static final List<String> INCREASING_OPS = List.of("AutoContrast", "Equalize", "Invert", "Rotate",
            "PosterizeIncreasing", "SolarizeIncreasing", "SolarizeAdd", "ColorIncreasing", "ContrastIncreasing",
            "BrightnessIncreasing", "SharpnessIncreasing", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel");
    /** timm's {@code _RAND_CHOICE_WEIGHTS_0}, keyed by the base op name. */
    private static final java.util.Map<String, Double> WEIGHTS_0 = java.util.Map.ofEntries(
            java.util.Map.entry("Rotate", 0.3), java.util.Map.entry("ShearX", 0.2), java.util.Map.entry("ShearY", 0.2),
            java.util.Map.entry("TranslateXRel", 0.1), java.util.Map.entry("TranslateYRel", 0.1),
            java.util.Map.entry("Color", 0.025), java.util.Map.entry("Sharpness", 0.025),
            java.util.Map.entry("AutoContrast", 0.025), java.util.Map.entry("Solarize", 0.005),
            java.util.Map.entry("SolarizeAdd", 0.005), java.util.Map.entry("Contrast", 0.005),
            java.util.Map.entry("Brightness", 0.005), java.util.Map.entry("Equalize", 0.005),
            java.util.Map.entry("Posterize", 0.0), java.util.Map.entry("Invert", 0.0));

    private final String config;
    private final List<String> ops;
    private final int numOps;
    private final double magnitude;
    private final double magnitudeStd;
    private final double magnitudeMax;
    private final double prob;
    private final double[] weights;
    private final int[] fill;

    private RandAugment(String config, List<String> ops, int numOps, double magnitude, double magnitudeStd,
            double magnitudeMax, double prob, double[] weights, int[] fill) {
        this.config = config;
        this.ops = ops;
        this.numOps = numOps;
        this.magnitude = magnitude;
        this.magnitudeStd = magnitudeStd;
        this.magnitudeMax = magnitudeMax;
        this.prob = prob;
        this.weights = weights;
        this.fill = fill;
    }

    /**
     * Parses timm's config string.
     *
     * @param config e.g. {@code rand-m9-mstd0.5-inc1}
     * @param mean the dataset mean in [0, 1], whose 8-bit colour fills areas uncovered by geometric ops
     * @throws IllegalArgumentException naming the section that is not understood
     */
    public static RandAugment parse(String config, double[] mean) {
        String[] sections = config.strip().split("-");
        if (!sections[0].equals("rand")) {
            throw new IllegalArgumentException("auto-augment '" + config + "': only RandAugment ('rand-...') is"
                    + " supported, got '" + sections[0] + "'");
        }
        double magnitude = LEVEL_DENOM;
        double mstd = 0;
        double mmax = LEVEL_DENOM;
        int n = 2;
        double prob = 0.5;
        boolean increasing = false;
        Integer weightIdx = null;
        for (int i = 1; i < sections.length; i++) {
            String s = sections[i];
            int k = 0;
            while (k < s.length() && Character.isLetter(s.charAt(k))) {
                k++;
            }
            String key = s.substring(0, k);
            String val = s.substring(k);
            if (key.isEmpty() || val.isEmpty()) {
                throw bad(config, s, "expected a letter key followed by a number, like m9 or mstd0.5");
            }
            switch (key) {
                case "m" -> magnitude = number(config, s, val);
                case "n" -> n = (int) integer(config, s, val);
                case "mstd" -> {
                    mstd = number(config, s, val);
                    // timm: a std above 100 means "uniform in [0, m]"
                    mstd = mstd > 100 ? Double.POSITIVE_INFINITY : mstd;
                }
                case "mmax" -> mmax = number(config, s, val);
                case "inc" -> increasing = integer(config, s, val) != 0;
                case "p" -> prob = number(config, s, val);
                case "w" -> weightIdx = (int) integer(config, s, val);
                default -> throw bad(config, s, "unknown section; use m, n, mstd, mmax, inc, p or w");
            }
        }
        if (n < 1 || magnitude < 0 || mstd < 0 || mmax <= 0 || !(prob >= 0 && prob <= 1)) {
            throw new IllegalArgumentException("auto-augment '" + config + "': need n >= 1, m >= 0, mstd >= 0,"
                    + " mmax > 0 and p in [0, 1]");
        }
        List<String> ops = increasing ? INCREASING_OPS : OPS;
        double[] weights = null;
        if (weightIdx != null) {
            if (weightIdx != 0) {
                throw bad(config, "w" + weightIdx, "only weight table 0 exists");
            }
            weights = new double[ops.size()];
            double sum = 0;
            for (int i = 0; i < ops.size(); i++) {
                weights[i] = WEIGHTS_0.get(baseName(ops.get(i)));
                sum += weights[i];
            }
            for (int i = 0; i < weights.length; i++) {
                weights[i] /= sum;
            }
            long usable = Arrays.stream(weights).filter(w -> w > 0).count();
            if (n > usable) {
                throw bad(config, "n" + n, "weight table 0 has only " + usable + " ops to pick without replacement");
            }
        }
        int[] fill = new int[3];
        for (int c = 0; c < 3; c++) {
            fill[c] = (int) Math.rint(255 * mean[c]);
        }
        return new RandAugment(config, ops, n, magnitude, mstd, mmax, prob, weights, fill);
    }

    private static IllegalArgumentException bad(String config, String section, String why) {
        return new IllegalArgumentException("auto-augment '" + config + "': bad section '" + section + "': " + why);
    }

    private static double number(String config, String section, String val) {
        try {
            return Double.parseDouble(val);
        } catch (NumberFormatException e) {
            throw bad(config, section, "'" + val + "' is not a number");
        }
    }

    private static long integer(String config, String section, String val) {
        try {
            return Long.parseLong(val);
        } catch (NumberFormatException e) {
            throw bad(config, section, "'" + val + "' is not an integer");
        }
    }

    private static String baseName(String op) {
        return op.endsWith("Increasing") ? op.substring(0, op.length() - "Increasing".length()) : op;
    }

    /** The config string this was parsed from. */
    public String config() {
        return config;
    }

    /** Ops applied per image. */
    public int numOps() {
        return numOps;
    }

    /** The mean magnitude. */
    public double magnitude() {
        return magnitude;
    }

    /** The std of the magnitude noise (infinite: uniform). */
    public double magnitudeStd() {
        return magnitudeStd;
    }

    /** The magnitude ceiling. */
    public double magnitudeMax() {
        return magnitudeMax;
    }

    /** Probability that each chosen op is applied. */
    public double prob() {
        return prob;
    }

    /** The op set, by timm name. */
    public List<String> ops() {
        return ops;
    }

    /** Applies {@code n} randomly chosen ops. */
    public RgbImage apply(RgbImage img, RandomGenerator rng) {
        RgbImage out = img;
        for (String op : choose(rng)) {
            if (prob < 1.0 && rng.nextDouble() > prob) {
                continue;
            }
            double m = magnitude;
            if (magnitudeStd > 0) {
                m = Double.isInfinite(magnitudeStd) ? RandomResizedCrop.uniform(rng, 0, magnitude)
                        : magnitude + rng.nextGaussian() * magnitudeStd;
            }
            m = Math.max(0, Math.min(magnitudeMax, m));
            out = applyOp(op, out, m, rng);
        }
        return out == img ? img.copy() : out;
    }

    private List<String> choose(RandomGenerator rng) {
        List<String> chosen = new ArrayList<>(numOps);
        if (weights == null) {
            for (int i = 0; i < numOps; i++) {
                chosen.add(ops.get(rng.nextInt(ops.size())));
            }
            return chosen;
        }
        double[] w = weights.clone();
        for (int i = 0; i < numOps; i++) {
            double total = Arrays.stream(w).sum();
            double u = rng.nextDouble() * total;
            int pick = 0;
            while (pick < w.length - 1 && (u >= w[pick] || w[pick] == 0)) {
                u -= w[pick];
                pick++;
            }
            chosen.add(ops.get(pick));
            w[pick] = 0;
        }
        return chosen;
    }

    /** Applies op {@code name} at magnitude {@code m} (0..10 scale); {@code rng} gives the random signs. */
    RgbImage applyOp(String name, RgbImage img, double m, RandomGenerator rng) {
        double level = m / LEVEL_DENOM;
        return switch (name) {
            case "AutoContrast" -> autoContrast(img);
            case "Equalize" -> equalize(img);
            case "Invert" -> Pixels.lookup(img, lut(v -> 255 - v));
            case "Rotate" -> rotate(img, signed(level * 30, rng));
            case "Posterize" -> posterize(img, (int) (level * 4));
            case "PosterizeIncreasing" -> posterize(img, 4 - (int) (level * 4));
            case "Solarize" -> solarize(img, (int) (level * 256));
            case "SolarizeIncreasing" -> solarize(img, 256 - (int) (level * 256));
            case "SolarizeAdd" -> solarizeAdd(img, (int) (level * 110), 128);
            case "Color" -> Pixels.color(img, level * 1.8 + 0.1);
            case "Contrast" -> Pixels.contrast(img, level * 1.8 + 0.1);
            case "Brightness" -> Pixels.brightness(img, level * 1.8 + 0.1);
            case "Sharpness" -> Pixels.sharpness(img, level * 1.8 + 0.1);
            case "ColorIncreasing" -> Pixels.color(img, increasingFactor(level, rng));
            case "ContrastIncreasing" -> Pixels.contrast(img, increasingFactor(level, rng));
            case "BrightnessIncreasing" -> Pixels.brightness(img, increasingFactor(level, rng));
            case "SharpnessIncreasing" -> Pixels.sharpness(img, increasingFactor(level, rng));
            case "ShearX" -> Pixels.affine(img, 1, signed(level * 0.3, rng), 0, 0, 1, 0, fill);
            case "ShearY" -> Pixels.affine(img, 1, 0, 0, signed(level * 0.3, rng), 1, 0, fill);
            case "TranslateXRel" -> Pixels.affine(img, 1, 0, signed(level * 0.45, rng) * img.width(), 0, 1, 0, fill);
            case "TranslateYRel" -> Pixels.affine(img, 1, 0, 0, 0, 1, signed(level * 0.45, rng) * img.height(), fill);
            default -> throw new IllegalArgumentException("unknown RandAugment op " + name);
        };
    }

    /** timm's {@code _randomly_negate}: the sign is a fair coin. */
    private static double signed(double v, RandomGenerator rng) {
        return rng.nextDouble() > 0.5 ? -v : v;
    }

    /** timm's increasing enhance factor: {@code max(0.1, 1 ± 0.9 level)}. */
    private static double increasingFactor(double level, RandomGenerator rng) {
        return Math.max(0.1, 1.0 + signed(level * 0.9, rng));
    }

    /** Pillow's {@code rotate(degrees)}: counter-clockwise about the centre. */
    RgbImage rotate(RgbImage img, double degrees) {
        double a = -Math.toRadians(degrees);
        double cx = img.width() / 2.0;
        double cy = img.height() / 2.0;
        double cos = Math.cos(a);
        double sin = Math.sin(a);
        // Inverse map from output to input, centred: input = R(a) (output - centre) + centre.
        return Pixels.affine(img, cos, sin, cx - cos * cx - sin * cy, -sin, cos, cy + sin * cx - cos * cy, fill);
    }

    static RgbImage posterize(RgbImage img, int bits) {
        if (bits >= 8) {
            return img.copy();
        }
        int mask = ~((1 << (8 - Math.max(0, bits))) - 1) & 0xFF;
        return Pixels.lookup(img, lut(v -> v & mask));
    }

    static RgbImage solarize(RgbImage img, int threshold) {
        return Pixels.lookup(img, lut(v -> v < threshold ? v : 255 - v));
    }

    static RgbImage solarizeAdd(RgbImage img, int add, int threshold) {
        return Pixels.lookup(img, lut(v -> v < threshold ? Math.min(255, v + add) : v));
    }

    /** Pillow's {@code ImageOps.autocontrast} (no cutoff): stretch each channel's range to 0..255, truncating. */
    static RgbImage autoContrast(RgbImage img) {
        int[][] hist = Pixels.histograms(img);
        int[][] luts = new int[3][];
        for (int c = 0; c < 3; c++) {
            int lo = 0;
            while (lo < 255 && hist[c][lo] == 0) {
                lo++;
            }
            int hi = 255;
            while (hi > 0 && hist[c][hi] == 0) {
                hi--;
            }
            if (hi <= lo) {
                luts[c] = lut(v -> v);
            } else {
                double scale = 255.0 / (hi - lo);
                double offset = -lo * scale;
                luts[c] = lut(v -> (int) Math.max(0, Math.min(255, v * scale + offset)));
            }
        }
        return Pixels.lookup(img, luts);
    }

    /** Pillow's {@code ImageOps.equalize}: per-channel histogram equalisation. */
    static RgbImage equalize(RgbImage img) {
        int[][] hist = Pixels.histograms(img);
        int[][] luts = new int[3][];
        for (int c = 0; c < 3; c++) {
            int[] h = hist[c];
            int last = 0;
            int total = 0;
            int nonZero = 0;
            for (int v = 0; v < 256; v++) {
                if (h[v] != 0) {
                    last = h[v];
                    total += h[v];
                    nonZero++;
                }
            }
            int step = (total - last) / 255;
            if (nonZero <= 1 || step == 0) {
                luts[c] = lut(v -> v);
                continue;
            }
            int[] l = new int[256];
            int n = step / 2;
            for (int v = 0; v < 256; v++) {
                l[v] = Math.min(255, n / step);
                n += h[v];
            }
            luts[c] = l;
        }
        return Pixels.lookup(img, luts);
    }

    private static int[] lut(java.util.function.IntUnaryOperator f) {
        int[] l = new int[256];
        for (int v = 0; v < 256; v++) {
            l[v] = f.applyAsInt(v);
        }
        return l;
    }
}
