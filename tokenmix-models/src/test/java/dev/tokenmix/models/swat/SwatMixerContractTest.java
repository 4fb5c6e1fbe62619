package dev.tokenmix.models.swat;

import dev.tokenmix.models.ModelContractTest;

/** The model contract on the tiny SWAT Mixer {@code swat_mixer_test}. */
class SwatMixerContractTest extends ModelContractTest {
    @Override
    protected String modelName() {
        return "swat_mixer_test";
    }
}
