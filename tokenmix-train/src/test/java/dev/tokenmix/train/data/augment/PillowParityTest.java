package dev.tokenmix.train.data.augment;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.InputConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The RandAugment pixel ops against Pillow's own outputs on one 16 x 12 image (written by
 * {@code scripts/make_pillow_ops_fixture.py}): every value must match, 8-bit truncation included
 * (geometric ops: all but 1%, by one).
 */
class PillowParityTest {
    private static final int H = 12;
    private static final int W = 16;

    private static RgbImage fromHwc(byte[] b, int offset) {
        float[] d = new float[3 * H * W];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                for (int c = 0; c < 3; c++) {
                    d[(c * H + y) * W + x] = b[offset + (y * W + x) * 3 + c] & 0xFF;
                }
            }
        }
        return new RgbImage(W, H, d);
    }

    private static RgbImage fromHwc(byte[] b, int offset, int w, int h) {
        float[] d = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    d[(c * h + y) * w + x] = b[offset + (y * w + x) * 3 + c] & 0xFF;
                }
            }
        }
        return new RgbImage(w, h, d);
    }

    @Test
    void resizedCropMatchesPillow() throws IOException {
        // torchvision's resized_crop on a PIL image: crop (left 5, top 3, 26 x 20), resize to 16 x 16
        // (scripts/make_crop_resize_fixture.py).
        byte[] all;
        try (InputStream in = getClass().getResourceAsStream("/data/pillow-crop-resize.bin")) {
            all = in.readAllBytes();
        }
        RgbImage input = fromHwc(all, 0, 40, 30);
        RandomResizedCrop.Window win = new RandomResizedCrop.Window(3, 5, 20, 26);
        int offset = 40 * 30 * 3;
        for (dev.tokenmix.train.data.Resampler.Filter f : new dev.tokenmix.train.data.Resampler.Filter[] {
            dev.tokenmix.train.data.Resampler.Filter.BILINEAR, dev.tokenmix.train.data.Resampler.Filter.BICUBIC}) {
            RgbImage expected = fromHwc(all, offset, 16, 16);
            RgbImage got = RandomResizedCrop.cropResize(input, win, 16, f);
            int off = 0;
            float worst = 0;
            for (int i = 0; i < got.data().length; i++) {
                float d = Math.abs(got.data()[i] - expected.data()[i]);
                off += d > 0 ? 1 : 0;
                worst = Math.max(worst, d);
            }
            assertTrue(off == 0, f + ": " + off + " values differ, by up to " + worst);
            offset += 16 * 16 * 3;
        }
    }

    @Test
    void opsMatchPillow() throws IOException {
        byte[] all;
        try (InputStream in = getClass().getResourceAsStream("/data/pillow-ops.bin")) {
            all = in.readAllBytes();
        }
        RandAugment ra = RandAugment.parse("rand-m9", InputConfig.IMAGENET_MEAN);
        int[] fill = {124, 116, 104};
        List<UnaryOperator<RgbImage>> ops = List.of(
                RandAugment::equalize,
                RandAugment::autoContrast,
                im -> RandAugment.posterize(im, 2),
                im -> RandAugment.solarize(im, 100),
                im -> ra.applyOp("Invert", im, 0, null),
                im -> Pixels.color(im, 0.3),
                im -> Pixels.contrast(im, 1.7),
                im -> Pixels.brightness(im, 1.3),
                im -> Pixels.sharpness(im, 0.4),
                im -> Pixels.sharpness(im, 1.8),
                im -> ra.rotate(im, 20),
                im -> Pixels.affine(im, 1, 0.2, 0, 0, 1, 0, fill));
        List<String> names = List.of("equalize", "autocontrast", "posterize2", "solarize100", "invert", "color0.3",
                "contrast1.7", "brightness1.3", "sharpness0.4", "sharpness1.8", "rotate20", "shearx0.2");
        RgbImage input = fromHwc(all, 0);
        List<String> failures = new ArrayList<>();
        for (int k = 0; k < ops.size(); k++) {
            RgbImage expected = fromHwc(all, (k + 1) * H * W * 3);
            RgbImage got = ops.get(k).apply(input.copy());
            int off = 0;
            float worst = 0;
            for (int i = 0; i < got.data().length; i++) {
                float d = Math.abs(got.data()[i] - expected.data()[i]);
                off += d > 0 ? 1 : 0;
                worst = Math.max(worst, d);
            }
            // Pillow steps the sampling coordinates incrementally, so a value sitting on an 8-bit boundary may
            // truncate the other way: geometric ops may differ by one in 1% of the values.
            boolean geometric = names.get(k).startsWith("rotate") || names.get(k).startsWith("shear");
            if (geometric ? worst > 1 || off > got.data().length / 100 : off > 0) {
                failures.add(names.get(k) + ": " + off + " values differ, by up to " + worst);
            }
        }
        assertTrue(failures.isEmpty(), String.join("; ", failures));
    }
}
