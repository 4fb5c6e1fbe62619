package dev.tokenmix.models.swat;

import dev.tokenmix.models.ModelContractTest;

/** The model contract on the tiny SWAT DeiT {@code swat_test}. */
class SwatContractTest extends ModelContractTest {
    @Override
    protected String modelName() {
        return "swat_test";
    }
}
