package dev.tokenmix.models.stt;

import dev.tokenmix.models.ModelContractTest;

/** The model contract on the tiny {@code stt_test} variant (one local layer, one super-token layer, mean of the super tokens classified). */
class SttContractTest extends ModelContractTest {
    @Override
    protected String modelName() {
        return "stt_test";
    }
}
