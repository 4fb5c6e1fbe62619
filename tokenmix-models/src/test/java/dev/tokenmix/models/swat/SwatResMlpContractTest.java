package dev.tokenmix.models.swat;

import dev.tokenmix.models.ModelContractTest;

/** The model contract on the tiny SWAT ResMlp {@code swat_resmlp_test}. */
class SwatResMlpContractTest extends ModelContractTest {
    @Override
    protected String modelName() {
        return "swat_resmlp_test";
    }
}
