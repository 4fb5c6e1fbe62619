package dev.tokenmix.train.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.InputConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Colour jitter, RandAugment (parsing and ops) and random erasing. */
class ColorAugmentTest {
    private static final double[] MEAN = InputConfig.IMAGENET_MEAN;

    private static RgbImage grey(int w, int h, float v) {
        float[] d = new float[3 * w * h];
        java.util.Arrays.fill(d, v);
        return new RgbImage(w, h, d);
    }

    @Test
    void brightnessJitterScalesEveryPixelByOneFactorInRange() {
        RgbImage img = GeometryAugmentTest.ramp(16, 16);
        ColorJitter j = new ColorJitter(0.4, 0, 0);
        for (int s = 0; s < 20; s++) {
            RgbImage out = j.apply(img, new SplittableRandom(s));
            // The brightest source pixel fixes the factor; all others must agree with it up to 8-bit rounding.
            int bright = 0;
            for (int i = 0; i < img.data().length; i++) {
                bright = img.data()[i] > img.data()[bright] ? i : bright;
            }
            double f = out.data()[bright] / img.data()[bright];
            assertTrue(f >= 0.6 - 0.01 && f <= 1.4 + 0.01, "factor " + f);
            for (int i = 0; i < img.data().length; i++) {
                double expected = Math.min(255, img.data()[i] * f);
                if (out.data()[bright] < 255) {
                    assertEquals(expected, out.data()[i], 1.6, "pixel " + i);
                }
            }
        }
    }

    @Test
    void saturationAndContrastJitterLeaveAFlatGreyImageAlone() {
        RgbImage img = grey(8, 8, 120);
        RgbImage out = new ColorJitter(0, 0.4, 0.4).apply(img, new SplittableRandom(3));
        assertArrayEquals(img.data(), out.data(), 0f);
    }

    @Test
    void randAugmentParsesTimmStrings() {
        RandAugment ra = RandAugment.parse("rand-m9-mstd0.5-inc1", MEAN);
        assertEquals(9, ra.magnitude());
        assertEquals(0.5, ra.magnitudeStd());
        assertEquals(2, ra.numOps());
        assertEquals(0.5, ra.prob());
        assertEquals(10, ra.magnitudeMax());
        assertTrue(ra.ops().contains("SolarizeIncreasing"));
        RandAugment plain = RandAugment.parse("rand-n3-m5-mstd101-mmax8-p0.7", MEAN);
        assertEquals(3, plain.numOps());
        assertTrue(Double.isInfinite(plain.magnitudeStd()));
        assertEquals(8, plain.magnitudeMax());
        assertEquals(0.7, plain.prob());
        assertTrue(plain.ops().contains("Solarize"));
        assertEquals(15, plain.ops().size());
    }

    @Test
    void randAugmentErrorsNameTheBadSection() {
        for (String[] c : new String[][] {{"rand-m9-x3", "'x3'"}, {"rand-mfoo", "'mfoo'"}, {"rand-m9-n2.5", "'n2.5'"},
            {"augmix-m5", "'augmix'"}, {"rand-m9-w1", "'w1'"}, {"rand-m9--n2", "''"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RandAugment.parse(c[0], MEAN));
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
        }
    }

    @Test
    void randAugmentOpsDoWhatTheirNamesSay() {
        RandAugment ra = RandAugment.parse("rand-m9", MEAN);
        RgbImage img = GeometryAugmentTest.ramp(20, 12);
        SplittableRandom rng = new SplittableRandom(0);
        RgbImage inv = ra.applyOp("Invert", img, 5, rng);
        assertEquals(255 - img.get(1, 3, 4), inv.get(1, 3, 4));
        assertArrayEquals(img.data(), ra.applyOp("Invert", inv, 5, rng).data(), 0f);
        // Solarize at magnitude 0 has threshold 0 (invert all); the increasing variant at 0 has threshold 256.
        assertArrayEquals(inv.data(), ra.applyOp("Solarize", img, 0, rng).data(), 0f);
        assertArrayEquals(img.data(), ra.applyOp("SolarizeIncreasing", img, 0, rng).data(), 0f);
        // Posterize at magnitude 5 keeps int(0.5 * 4) = 2 bits.
        RgbImage post = ra.applyOp("Posterize", img, 5, rng);
        for (float v : post.data()) {
            assertEquals(0, ((int) v) & 0x3F);
        }
        assertArrayEquals(img.data(), ra.applyOp("Rotate", img, 0, rng).data(), 0f);
        // Translating by 45% of the width moves columns by 9 pixels one way or the other; uncovered columns take
        // the mean colour.
        RgbImage t = ra.applyOp("TranslateXRel", img, 10, new SplittableRandom(7));
        boolean left = t.get(0, 2, 0) == img.get(0, 2, 9);
        int shift = left ? 9 : -9;
        for (int x = 0; x < 20; x++) {
            int src = x + shift;
            float expected = src >= 0 && src < 20 ? img.get(0, 2, src) : Math.round(255 * MEAN[0]);
            assertEquals(expected, t.get(0, 2, x), "column " + x);
        }
        RgbImage narrow = new RgbImage(4, 1, new float[] {50, 100, 150, 100, 50, 100, 150, 100, 50, 100, 150, 100});
        RgbImage ac = ra.applyOp("AutoContrast", narrow, 5, rng);
        assertEquals(0, ac.get(0, 0, 0));
        assertEquals(255, ac.get(0, 0, 2));
        assertEquals(127, ac.get(0, 0, 1)); // Pillow truncates 127.5
    }

    @Test
    void randAugmentIsSeededAndChangesImages() {
        RandAugment ra = RandAugment.parse("rand-m9-mstd0.5-inc1", MEAN);
        RgbImage img = GeometryAugmentTest.ramp(16, 16);
        RgbImage a = ra.apply(img, new SplittableRandom(11));
        RgbImage b = ra.apply(img, new SplittableRandom(11));
        assertArrayEquals(a.data(), b.data(), 0f);
        int changed = 0;
        for (int s = 0; s < 20; s++) {
            changed += java.util.Arrays.equals(img.data(), ra.apply(img, new SplittableRandom(s)).data()) ? 0 : 1;
        }
        // Each of the two ops runs with probability 0.5: three quarters of the images change.
        assertTrue(changed >= 8 && changed < 20, "changed " + changed);
    }

    @Test
    void randomErasingErasesOneRectangleOfBoundedAreaAndAspect() {
        int h = 40;
        int w = 50;
        RandomErasing re = new RandomErasing(1.0, RandomErasing.Mode.CONST);
        for (int s = 0; s < 50; s++) {
            float[] x = new float[3 * h * w];
            java.util.Arrays.fill(x, 1f);
            assertEquals(1, re.apply(x, h, w, new SplittableRandom(s)));
            int top = h;
            int bottom = -1;
            int leftmost = w;
            int right = -1;
            int zeros = 0;
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    if (x[y * w + xx] == 0) {
                        zeros++;
                        top = Math.min(top, y);
                        bottom = Math.max(bottom, y);
                        leftmost = Math.min(leftmost, xx);
                        right = Math.max(right, xx);
                    }
                }
            }
            int rh = bottom - top + 1;
            int rw = right - leftmost + 1;
            assertEquals(rh * rw, zeros, "a solid rectangle");
            double area = (double) zeros / (h * w);
            assertTrue(area > 0.02 * 0.6 && area < 1.0 / 3 * 1.2, "area " + area);
            double aspect = (double) rh / rw;
            assertTrue(aspect > 0.3 * 0.7 && aspect < 1 / 0.3 * 1.4, "aspect " + aspect);
            for (int c = 1; c < 3; c++) {
                assertEquals(0f, x[(c * h + top) * w + leftmost]);
            }
        }
        float[] untouched = new float[3 * h * w];
        assertEquals(0, new RandomErasing(0.0, RandomErasing.Mode.PIXEL).apply(untouched, h, w, new SplittableRandom(1)));
    }

    @Test
    void pixelModeFillsWithUnitNormalNoise() {
        int h = 64;
        int w = 64;
        float[] x = new float[3 * h * w];
        java.util.Arrays.fill(x, 100f);
        new RandomErasing(1.0, RandomErasing.Mode.PIXEL, 1, 1, 0.3, 0.33, 1.0).apply(x, h, w, new SplittableRandom(2));
        double sum = 0;
        double sq = 0;
        int n = 0;
        for (float v : x) {
            if (v != 100f) {
                sum += v;
                sq += v * v;
                n++;
            }
        }
        assertTrue(n > 3 * h * w * 0.25, "erased " + n);
        double mean = sum / n;
        double var = sq / n - mean * mean;
        assertEquals(0, mean, 0.1);
        assertEquals(1, var, 0.15);
    }

    @Test
    void trainTransformIsDeterministicPerGenerator() {
        TrainTransform t = TrainTransform.builder(InputConfig.imagenet(24), 24).autoAugment("rand-m9-mstd0.5")
                .reprob(0.25).build();
        java.awt.image.BufferedImage img = GeometryAugmentTest.ramp(30, 40).toBufferedImage();
        float[] a = t.apply(img, new SplittableRandom(9));
        assertEquals(3 * 24 * 24, a.length);
        assertArrayEquals(a, t.apply(img, new SplittableRandom(9)), 0f);
        assertFalse(java.util.Arrays.equals(a, t.apply(img, new SplittableRandom(10))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainTransform.builder(InputConfig.imagenet(24), 24).hflip(1.5).build());
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
    }
}
