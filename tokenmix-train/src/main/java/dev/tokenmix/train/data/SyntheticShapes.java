package dev.tokenmix.train.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code synthetic-shapes}: a procedural classification dataset so that training, validation and the demo run
 * without downloads. Each image is one filled shape of a random colour, size, position and rotation on a noisy
 * gradient background. The class is the shape kind (circle, square, triangle, ...); when more classes are asked
 * than there are kinds, the class is kind × colour ({@code red_circle}, {@code blue_circle}, ...).
 *
 * <p>Images are rendered on demand and are a pure function of (seed, split, index): the same builder settings
 * give the same pixels on every thread and run (Java2D's antialiasing may differ between JDK builds). Labels are
 * balanced and interleaved (sample {@code i} shows the {@code i % classes}-th generated class); class names, and
 * so labels, are in natural order, the order an {@link ImageFolder} of the written dataset has. The train and val
 * splits draw from different streams, so they never share an image.
 *
 * <p>The default task (5 clearly distinct kinds, large shapes, 32 pixels) is easy on purpose, so that a tiny
 * model can learn it in minutes on a CPU. Write it to disk as an ImageFolder with {@code tokenmix data synth}.
 */
public final class SyntheticShapes implements ImageDataset {
    /** The dataset's name for {@link Datasets#open}. */
    public static final String NAME = "synthetic-shapes";

    /**
     * Shape kinds, most distinct first, so a small class count gets the easiest task. The order is measured: a
     * tiny ViT (patch 8 at 32 pixels) confuses a square with a circle and a hexagon is no better, while a ring's
     * empty centre sets it apart.
     */
    public enum Kind {
        CIRCLE, RING, TRIANGLE, CROSS, STAR, SQUARE, HEXAGON, CRESCENT;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Colours of the kind × colour classes, as hues in [0, 1), with their names. */
    private static final String[] COLOUR_NAMES = {"red", "green", "blue", "yellow", "magenta", "cyan"};
    private static final float[] COLOUR_HUES = {0f, 1f / 3, 2f / 3, 1f / 6, 5f / 6, 1f / 2};

    /** The most classes a dataset can have: every kind (8) in every colour (6). */
    public static final int MAX_CLASSES = 48;

    static {
        if (MAX_CLASSES != Kind.values().length * COLOUR_NAMES.length) {
            throw new AssertionError("MAX_CLASSES must be kinds x colours");
        }
    }

    private final int classes;
    private final int perClass;
    private final int imageSize;
    private final long seed;
    private final Split split;
    private final boolean coloured;
    private final List<String> classNames;
    /** Label of each generated class (kind, or kind x colour), so class names are in natural order. */
    private final int[] labelOf;
    /** The generated class of each label. */
    private final int[] classOf;

    private SyntheticShapes(Builder b) {
        this.classes = b.classes;
        this.perClass = b.perClass;
        this.imageSize = b.imageSize;
        this.seed = b.seed;
        this.split = b.split;
        this.coloured = classes > Kind.values().length;
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add(coloured ? COLOUR_NAMES[c / Kind.values().length] + "_" + kind(c).label() : kind(c).label());
        }
        // Labels follow the names' natural order, the order ImageFolder gives the folders this dataset is written
        // to: a model trained in memory and one trained on the written folder agree on what label k means.
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(NaturalOrder.INSTANCE);
        this.labelOf = new int[classes];
        this.classOf = new int[classes];
        for (int c = 0; c < classes; c++) {
            labelOf[c] = sorted.indexOf(names.get(c));
            classOf[labelOf[c]] = c;
        }
        this.classNames = Collections.unmodifiableList(sorted);
    }

    /** A builder with the defaults: 5 classes, 200 images per class, 32 pixels, seed 0, train split. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public int size() {
        return classes * perClass;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int label(int i) {
        check(i);
        return labelOf[i % classes];
    }

    @Override
    public Sample get(int i) {
        int label = label(i);
        return new Sample(render(classOf[label], DataSeeds.rng(seed, DataSeeds.CONTENT, split.ordinal(), i)), label);
    }

    @Override
    public String describe(int i) {
        return NAME + ":" + split.folder() + "#" + i;
    }

    /** The image size in pixels (square). */
    public int imageSize() {
        return imageSize;
    }

    private void check(int i) {
        if (i < 0 || i >= size()) {
            throw new IndexOutOfBoundsException("sample " + i + " of " + size());
        }
    }

    private Kind kind(int label) {
        return Kind.values()[label % Kind.values().length];
    }

    /** Draws an image of generated class {@code cls} (kind {@code cls % 8}, colour {@code cls / 8}). */
    private BufferedImage render(int cls, SplittableRandom rng) {
        int s = imageSize;
        BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            // Background: a dim, weakly saturated gradient in a random direction, so the bright shape stands out.
            Color from = Color.getHSBColor(rng.nextFloat(), 0.35f * rng.nextFloat(), 0.06f + 0.26f * rng.nextFloat());
            Color to = Color.getHSBColor(rng.nextFloat(), 0.35f * rng.nextFloat(), 0.06f + 0.26f * rng.nextFloat());
            double a = rng.nextDouble(2 * Math.PI);
            float dx = (float) (Math.cos(a) * s / 2);
            float dy = (float) (Math.sin(a) * s / 2);
            g.setPaint(new GradientPaint(s / 2f - dx, s / 2f - dy, from, s / 2f + dx, s / 2f + dy, to));
            g.fillRect(0, 0, s, s);

            // Large shapes near the centre: position and size vary, yet every shape covers the central patches,
            // which keeps the task learnable for tiny patch-based models.
            double radius = s * (0.32 + 0.12 * rng.nextDouble());
            double jitter = s * 0.12;
            double cx = s / 2.0 + (2 * rng.nextDouble() - 1) * jitter;
            double cy = s / 2.0 + (2 * rng.nextDouble() - 1) * jitter;
            AffineTransform at = new AffineTransform();
            at.translate(cx, cy);
            at.rotate(rng.nextDouble(2 * Math.PI));
            at.scale(radius, radius);
            Shape shape = at.createTransformedShape(unitShape(kind(cls)));

            float hue = coloured ? COLOUR_HUES[cls / Kind.values().length] + (float) (rng.nextDouble() - 0.5) * 0.06f
                    : rng.nextFloat();
            float sat = 0.55f + 0.45f * rng.nextFloat();
            float bri = 0.8f + 0.2f * rng.nextFloat();
            Color fill = atLeastLuma(Color.getHSBColor(hue, sat, bri), 0.5);
            g.setColor(fill);
            g.fill(shape);
            // A thin darker outline keeps small shapes crisp at 32 pixels.
            g.setStroke(new BasicStroke(Math.max(0.6f, s / 64f)));
            g.setColor(new Color(fill.getRed() * 4 / 5, fill.getGreen() * 4 / 5, fill.getBlue() * 4 / 5));
            g.draw(shape);
        } finally {
            g.dispose();
        }
        addNoise(img, rng, 8.0);
        return img;
    }

    /**
     * Lightens {@code c} towards white until its luma is at least {@code min}: a saturated blue is as dark as the
     * background to a model that sums the channels, so every shape keeps a brightness edge whatever its hue.
     */
    private static Color atLeastLuma(Color c, double min) {
        double r = c.getRed() / 255.0;
        double g = c.getGreen() / 255.0;
        double b = c.getBlue() / 255.0;
        double luma = 0.299 * r + 0.587 * g + 0.114 * b;
        if (luma >= min) {
            return c;
        }
        double t = (min - luma) / (1 - luma);
        return new Color((float) (r + t * (1 - r)), (float) (g + t * (1 - g)), (float) (b + t * (1 - b)));
    }

    private static void addNoise(BufferedImage img, SplittableRandom rng, double sigma) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] px = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            int r = clamp(((p >> 16) & 0xFF) + rng.nextGaussian() * sigma);
            int gr = clamp(((p >> 8) & 0xFF) + rng.nextGaussian() * sigma);
            int b = clamp((p & 0xFF) + rng.nextGaussian() * sigma);
            px[i] = (r << 16) | (gr << 8) | b;
        }
        img.setRGB(0, 0, w, h, px, 0, w);
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** The kind's outline centred on the origin, about the size of the unit circle. */
    static Shape unitShape(Kind kind) {
        return switch (kind) {
            case CIRCLE -> new Ellipse2D.Double(-1, -1, 2, 2);
            case SQUARE -> new Rectangle2D.Double(-0.78, -0.78, 1.56, 1.56);
            // The tips reach past the unit circle: at 32 pixels a smaller triangle is hard to tell from a star.
            case TRIANGLE -> star(3, 1.15, 1.15);
            case STAR -> star(5, 1.0, 0.42);
            case CROSS -> {
                Area a = new Area(new Rectangle2D.Double(-1, -0.3, 2, 0.6));
                a.add(new Area(new Rectangle2D.Double(-0.3, -1, 0.6, 2)));
                yield a;
            }
            case RING -> {
                Area a = new Area(new Ellipse2D.Double(-1, -1, 2, 2));
                a.subtract(new Area(new Ellipse2D.Double(-0.55, -0.55, 1.1, 1.1)));
                yield a;
            }
            case HEXAGON -> star(6, 1.0, 1.0);
            case CRESCENT -> {
                Area a = new Area(new Ellipse2D.Double(-1, -1, 2, 2));
                a.subtract(new Area(new Ellipse2D.Double(-0.45, -0.95, 1.9, 1.9)));
                yield a;
            }
        };
    }

    /** A regular polygon ({@code inner == outer}) or a star with {@code points} tips. */
    private static Shape star(int points, double outer, double inner) {
        Path2D.Double p = new Path2D.Double();
        boolean polygon = inner == outer;
        int n = polygon ? points : 2 * points;
        for (int k = 0; k < n; k++) {
            double r = polygon || k % 2 == 0 ? outer : inner;
            double t = -Math.PI / 2 + 2 * Math.PI * k / n;
            if (k == 0) {
                p.moveTo(r * Math.cos(t), r * Math.sin(t));
            } else {
                p.lineTo(r * Math.cos(t), r * Math.sin(t));
            }
        }
        p.closePath();
        return p;
    }

    /** Builds a {@link SyntheticShapes}; {@link #build} names any out-of-range value. */
    public static final class Builder {
        private int classes = 5;
        private int perClass = 200;
        private int imageSize = 32;
        private long seed;
        private Split split = Split.TRAIN;

        private Builder() {
        }

        /** Number of classes, 2 to {@link #MAX_CLASSES}; above 8 the classes are kind × colour. */
        public Builder classes(int classes) {
            this.classes = classes;
            return this;
        }

        /** Images per class. */
        public Builder perClass(int perClass) {
            this.perClass = perClass;
            return this;
        }

        /** Image side in pixels, 8 to 1024. */
        public Builder imageSize(int imageSize) {
            this.imageSize = imageSize;
            return this;
        }

        /** The seed that determines every pixel. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Which split to generate; train and val never share an image. */
        public Builder split(Split split) {
            this.split = java.util.Objects.requireNonNull(split, "split");
            return this;
        }

        public SyntheticShapes build() {
            if (classes < 2 || classes > MAX_CLASSES) {
                throw new DatasetException("synthetic-shapes: classes must be 2 to " + MAX_CLASSES + " ("
                        + Kind.values().length + " shape kinds x " + COLOUR_NAMES.length + " colours), got " + classes);
            }
            if (perClass < 1) {
                throw new DatasetException("synthetic-shapes: images per class must be at least 1, got " + perClass);
            }
            if ((long) classes * perClass > Integer.MAX_VALUE) {
                throw new DatasetException("synthetic-shapes: " + classes + " x " + perClass + " images is too many");
            }
            if (imageSize < 8 || imageSize > 1024) {
                throw new DatasetException("synthetic-shapes: image size must be 8 to 1024 pixels, got " + imageSize);
            }
            return new SyntheticShapes(this);
        }
    }
}
