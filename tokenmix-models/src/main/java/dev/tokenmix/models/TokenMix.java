package dev.tokenmix.models;

import java.util.List;

/**
 * The entry point: create registered models by name and list them, as timm's {@code create_model} and
 * {@code list_models}.
 *
 * <pre>{@code
 * Model model = TokenMix.createModel("deit_tiny_patch16_224");
 * INDArray logits = model.forward(images);            // [N, 3, 224, 224] -> [N, 1000]
 * List<String> vits = TokenMix.listModels("*deit*");
 * }</pre>
 */
public final class TokenMix {
    private TokenMix() {
    }

    /** A freshly initialised model with the variant's defaults. */
    public static Model createModel(String name) {
        return createModel(name, ModelOptions.defaults());
    }

    /** A freshly initialised model; unknown names throw {@link UnknownModelException} with suggestions. */
    public static Model createModel(String name, ModelOptions options) {
        return ModelRegistry.get().variant(name).create(options);
    }

    /** Registered names matching a wildcard pattern ({@code "*vit*"}), sorted. */
    public static List<String> listModels(String pattern) {
        return ModelRegistry.get().list(pattern);
    }

    /** All registered names, sorted. */
    public static List<String> listModels() {
        return listModels("*");
    }

    /**
     * A model saved with {@link dev.tokenmix.models.weights.ModelFiles#save}: its directory or its
     * {@code model.safetensors}; no model name needed.
     */
    public static Model load(java.nio.file.Path path) {
        return dev.tokenmix.models.weights.ModelFiles.load(path);
    }

    /** The registered variant (config, input defaults, paper numbers) of {@code name}. */
    public static Variant variant(String name) {
        return ModelRegistry.get().variant(name);
    }
}
