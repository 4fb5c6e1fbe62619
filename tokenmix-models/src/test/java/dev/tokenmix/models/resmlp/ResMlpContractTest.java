package dev.tokenmix.models.resmlp;

import dev.tokenmix.models.ModelContractTest;

/** The model contract on the tiny {@code resmlp_test}. */
class ResMlpContractTest extends ModelContractTest {
    @Override
    protected String modelName() {
        return "resmlp_test";
    }
}
