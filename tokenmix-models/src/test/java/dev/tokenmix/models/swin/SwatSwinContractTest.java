package dev.tokenmix.models.swin;

import dev.tokenmix.models.ModelContractTest;

/** The model contract on the tiny SWAT Swin, {@code swat_swin_test}. */
class SwatSwinContractTest extends ModelContractTest {
    @Override
    protected String modelName() {
        return "swat_swin_test";
    }
}
