package dev.tokenmix.models.paca;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelContractTest;
import dev.tokenmix.models.ModelOptions;

/** The Model contract for {@code pacavit_test}, created through its variant directly. */
class PacaVitContractTest extends ModelContractTest {
    @Override
    protected String modelName() {
        return "pacavit_test";
    }

    @Override
    protected Model create(ModelOptions.Builder b) {
        return PacaVitVariants.variant(modelName()).create(b.build());
    }
}
