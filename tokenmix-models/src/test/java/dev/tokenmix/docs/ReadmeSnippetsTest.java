package dev.tokenmix.docs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenmix.models.AssignmentMap;
import dev.tokenmix.models.AssignmentMaps;
import dev.tokenmix.models.FeatureExtractor;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.TokenMix;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Java example of {@code README.md} ({@link DocSnippetsTest} checks the README shows exactly this region). Every
 * build compiles it; running it takes half a minute (a 12M-parameter model at 224²), so it runs with
 * {@code -Dtokenmix.docs.full=true} only.
 */
class ReadmeSnippetsTest {

    @Test
    @EnabledIfSystemProperty(named = "tokenmix.docs.full", matches = "true")
    void quickstart() {
        // tag::readme-quickstart[]
        Model model = TokenMix.createModel("pacavit_tiny_p2cconv_100_0");   // PaCa-ViT-Tiny, random weights
        INDArray images = Nd4j.randn(DataType.FLOAT, 1, 3, 224, 224);       // NCHW, ImageNet-normalised
        INDArray logits = model.forward(images);                             // [1, 1000]

        FeatureExtractor backbone = model.featuresOnly(1, 2, 3);             // maps at strides 8, 16, 32
        List<INDArray> maps = backbone.forward(images);                      // [1, 192, 28, 28], ...
        List<AssignmentMap> z = ((AssignmentMaps) model).assignmentMaps(images); // clusters per stage

        model.resetClassifier(10);                                           // a fresh 10-class head
        INDArray logits10 = model.forward(images);                           // [1, 10]
        // end::readme-quickstart[]
        assertArrayEquals(new long[] {1, 1000}, logits.shape());
        assertArrayEquals(new long[] {1, 192, 28, 28}, maps.get(0).shape());
        assertArrayEquals(new long[] {1, 384, 7, 7}, maps.get(2).shape());
        assertEquals(3, z.size(), "stage 4 of the _100_0 variants is global attention");
        assertArrayEquals(new long[] {1, 100, 56, 56}, z.get(0).weights().shape());
        assertArrayEquals(new long[] {1, 10}, logits10.shape());
    }
}
