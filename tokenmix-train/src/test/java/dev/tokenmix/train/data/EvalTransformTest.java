package dev.tokenmix.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.InputConfig;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class EvalTransformTest {
    private static Path resource(String name) throws URISyntaxException {
        return Path.of(EvalTransformTest.class.getResource("/data/" + name).toURI());
    }

    /**
     * Fixture made by scripts/make_eval_transform_fixture.py with Pillow 9.4: the resize reproduces Pillow's 8-bit
     * two-pass fixed-point arithmetic, so the values agree to float precision.
     */
    @Test
    void matchesTimmsEvalTransformOnAPillowFixture() throws Exception {
        INDArray x = new EvalTransform(InputConfig.imagenet(32), 32).apply(resource("pattern-64x48.png"));
        INDArray expected = Nd4j.createFromNpyFile(new File(resource("pattern-64x48-eval32.npy").toString()));
        assertArrayEquals(new long[] {1, 3, 32, 32}, x.shape());
        double maxDiff = x.reshape(3, 32, 32).sub(expected).amaxNumber().doubleValue();
        assertTrue(maxDiff <= 1e-6, "max difference " + maxDiff);
    }

    @Test
    void resamplerMatchesPillowIn1d() {
        // Pillow 9.4: Image.fromarray(arange(12)*20 as uint8, 1 row).resize((5, 1), BICUBIC) -> 15 61 110 159 205
        float[] p = new float[12];
        for (int i = 0; i < 12; i++) {
            p[i] = i * 20;
        }
        float[] r = Resampler.resize(p, 1, 12, 1, 5, Resampler.Filter.BICUBIC);
        float[] pillow = {15, 61, 110, 159, 205};
        for (int i = 0; i < 5; i++) {
            assertTrue(Math.abs(Math.round(r[i]) - pillow[i]) == 0, "pixel " + i + ": " + r[i]);
        }
    }

    @Test
    void unreadableImageIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EvalTransform.read(Path.of("no-such-image.jpg")));
        assertTrue(e.getMessage().contains("no-such-image.jpg"));
    }
}
