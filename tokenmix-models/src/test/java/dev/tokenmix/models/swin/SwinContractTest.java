package dev.tokenmix.models.swin;

import dev.tokenmix.models.ModelContractTest;

/** The model contract on the tiny {@code swin_test} variant. */
class SwinContractTest extends ModelContractTest {
    @Override
    protected String modelName() {
        return "swin_test";
    }
}
