package dev.tokenmix.models;

import java.util.function.BiFunction;

/**
 * A registered model: its official name, family, hyper-parameters, default input, what its paper reports, and
 * how to build it.
 *
 * @param name the registered (official) name, e.g. {@code deit_tiny_patch16_224}
 * @param family the paper family or baseline, e.g. {@code vit}
 * @param config the family's hyper-parameter record
 * @param input the default input configuration
 * @param paper what the paper reports
 * @param factory builds the model from this variant and the user's options
 */
public record Variant(String name, String family, Record config, InputConfig input, PaperStats paper,
                      BiFunction<Variant, ModelOptions, Model> factory) {

    /** Builds a fresh model. */
    public Model create(ModelOptions options) {
        return factory.apply(this, options);
    }
}
