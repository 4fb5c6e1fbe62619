package dev.tokenmix.models.psvit;

import dev.tokenmix.models.ModelContractTest;

/** The model contract on the tiny {@code psvit_test} variant (learned pooling, class token, shared attention). */
class PsvitContractTest extends ModelContractTest {
    @Override
    protected String modelName() {
        return "psvit_test";
    }
}
