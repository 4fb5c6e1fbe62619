package dev.tokenmix.models.swat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenmix.core.engine.ShapeMismatchException;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.weights.WeightLoader;
import java.util.LinkedHashMap;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SWAT DeiT at another resolution: the token grid follows {@code imgSize}, weights of the default resolution load with
 * their position embedding resampled, and an image of the wrong size is refused by the tokenizer.
 */
class SwatResolutionTest {

    @Test
    void weightsOfTheDefaultResolutionLoadIntoALargerGrid() {
        Model small = SwatVariants.variant("swat_test").create(ModelOptions.builder().seed(1).build());
        Model large = SwatVariants.variant("swat_test").create(ModelOptions.builder().seed(2).imgSize(48).build());
        assertArrayEquals(new long[] {1, 36, 32}, large.parameters().get("pos_embed").torchShape());
        LinkedHashMap<String, INDArray> sd = small.stateDict();
        WeightLoader.load(large, sd, true, "swat_test at 32");
        assertEquals(0.0, large.parameters().array("blocks.1.attn.qkv.weight")
                .sub(small.parameters().array("blocks.1.attn.qkv.weight")).amaxNumber().doubleValue());
        INDArray y = large.forward(Nd4j.rand(DataType.FLOAT, 1, 3, 48, 48));
        assertArrayEquals(new long[] {1, 1000}, y.shape());
        assertFalse(y.isNaN().any());
    }

    @Test
    void anImageOfAnotherSizeNamesTheTokenizer() {
        Model m = SwatVariants.variant("swat_test").create(ModelOptions.defaults());
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> m.forward(Nd4j.zeros(DataType.FLOAT, 1, 3, 40, 40)));
        assertEquals("patch_embed", e.modulePath());
    }
}
