package dev.tokenmix.models.mixer;

import dev.tokenmix.models.ModelContractTest;

/** The model contract on the tiny {@code mixer_test}. */
class MixerContractTest extends ModelContractTest {
    @Override
    protected String modelName() {
        return "mixer_test";
    }
}
