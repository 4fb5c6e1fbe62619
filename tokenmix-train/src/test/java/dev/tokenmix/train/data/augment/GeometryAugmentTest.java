package dev.tokenmix.train.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.train.data.DataSeeds;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Random resized crop and horizontal flip. */
class GeometryAugmentTest {

    static RgbImage ramp(int w, int h) {
        float[] d = new float[3 * w * h];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    d[(c * h + y) * w + x] = (x * 7 + y * 3 + c * 50) % 256;
                }
            }
        }
        return new RgbImage(w, h, d);
    }

    @Test
    void cropWindowsRespectScaleAndRatioAndStayInside() {
        RandomResizedCrop rrc = RandomResizedCrop.timm(32);
        int w = 200;
        int h = 120;
        for (int s = 0; s < 300; s++) {
            RandomResizedCrop.Window win = rrc.window(h, w, new SplittableRandom(s));
            assertTrue(win.top() >= 0 && win.left() >= 0 && win.top() + win.height() <= h
                    && win.left() + win.width() <= w, win.toString());
            double area = (double) win.height() * win.width() / (w * h);
            double ratio = (double) win.width() / win.height();
            // Rounding the sides to whole pixels moves area and ratio slightly off the sampled values.
            assertTrue(area >= 0.08 * 0.9 && area <= 1.0, win + " area " + area);
            assertTrue(ratio >= 0.75 * 0.93 && ratio <= 4.0 / 3 * 1.07, win + " ratio " + ratio);
        }
    }

    @Test
    void afterTenFailedTriesTheCentreCropOfTheClosestRatioIsUsed() {
        // Areas of at least 90% with aspect 3..4 never fit a square: torchvision falls back to a centre crop.
        RandomResizedCrop rrc = new RandomResizedCrop(16, new double[] {0.9, 1.0}, new double[] {3, 4}, "bilinear");
        RandomResizedCrop.Window win = rrc.window(100, 100, new SplittableRandom(1));
        assertEquals(new RandomResizedCrop.Window(33, 0, 33, 100), win);
    }

    @Test
    void outputHasTheRequestedSizeAndTheWholeImageCropIsTheImage() {
        RgbImage img = ramp(37, 29);
        RgbImage out = RandomResizedCrop.timm(24).apply(img, new SplittableRandom(5));
        assertEquals(24, out.width());
        assertEquals(24, out.height());
        RandomResizedCrop whole = new RandomResizedCrop(16, new double[] {1, 1}, new double[] {1, 1}, "bicubic");
        RgbImage sq = ramp(16, 16);
        assertArrayEquals(sq.data(), whole.apply(sq, new SplittableRandom(0)).data(), 0f);
    }

    @Test
    void flipIsAnExactMirror() {
        RgbImage img = ramp(7, 5);
        RgbImage f = HorizontalFlip.apply(img);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 5; y++) {
                for (int x = 0; x < 7; x++) {
                    assertEquals(img.get(c, y, x), f.get(c, y, 6 - x));
                }
            }
        }
        assertArrayEquals(img.data(), HorizontalFlip.apply(f).data(), 0f);
        RgbImage v = HorizontalFlip.vertical(img);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 5; y++) {
                for (int x = 0; x < 7; x++) {
                    assertEquals(img.get(c, y, x), v.get(c, 4 - y, x));
                }
            }
        }
    }

    @Test
    void seedsArePureFunctionsOfTheirCoordinates() {
        assertEquals(DataSeeds.mix(1, 2, 3), DataSeeds.mix(1, 2, 3));
        assertTrue(DataSeeds.mix(1, 2, 3) != DataSeeds.mix(1, 3, 2));
        assertTrue(DataSeeds.mix(0, 0) != DataSeeds.mix(0, 1));
    }
}
