package dev.tokenmix.models.glnet;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelContractTest;
import dev.tokenmix.models.ModelOptions;

/** The model contract on the tiny {@code glnet_test} variant, built through its variant directly. */
class GlnetContractTest extends ModelContractTest {
    @Override
    protected String modelName() {
        return "glnet_test";
    }

    @Override
    protected Model create(ModelOptions.Builder b) {
        return GlnetVariants.variant(modelName()).create(b.build());
    }
}
