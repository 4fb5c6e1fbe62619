package dev.tokenmix.models.vit;

import dev.tokenmix.models.ModelContractTest;

class VisionTransformerContractTest extends ModelContractTest {
    @Override
    protected String modelName() {
        return "vit_test";
    }
}
