package dev.tokenmix.models.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tokenmix.core.io.AtomicFile;
import dev.tokenmix.core.io.Safetensors;
import dev.tokenmix.core.io.WeightsFormatException;
import dev.tokenmix.core.io.torch.TorchCheckpoint;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.TokenMix;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A model's own files and the checkpoints users bring.
 *
 * <ul>
 *   <li>{@link #save}: a directory with {@code model.safetensors} (official keys, PyTorch layouts, so timm and the
 *       official code can read it too) and {@code config.json} (registered name and options); the config is also
 *       stored in the safetensors metadata, so the weights file alone is enough for {@link #load}.</li>
 *   <li>{@link #readCheckpoint}: safetensors or PyTorch ({@code .pth}, {@code .pt}, {@code .pth.tar}, zip or legacy)
 *       by content, never by extension; PyTorch pickles go through an allowlist and cannot run code.</li>
 * </ul>
 */
public final class ModelFiles {
    /** File names inside a saved model directory. */
    public static final String WEIGHTS = "model.safetensors";
    public static final String CONFIG = "config.json";
    private static final String METADATA_KEY = "tokenmix.config";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelFiles() {
    }

    /**
     * The config written beside the weights.
     *
     * @param format always "tokenmix"
     * @param formatVersion version of this layout
     * @param model registered name
     * @param numClasses classifier outputs
     * @param imgSize resolution the model was built for
     * @param inChans input channels
     * @param dataType parameter type
     */
    public record SavedConfig(String format, int formatVersion, String model, int numClasses, int imgSize, int inChans,
                              String dataType) {
        static SavedConfig of(Model m) {
            return new SavedConfig("tokenmix", 1, m.name(), m.numClasses(), m.imgSize(), m.inChans(),
                    m.options().dataType().name());
        }

        ModelOptions options() {
            return ModelOptions.builder().numClasses(numClasses).imgSize(imgSize).inChans(inChans)
                    .dataType(DataType.valueOf(dataType)).build();
        }
    }

    /** Saves {@code model} into {@code dir} (created if needed); each file is written atomically. */
    public static void save(Model model, Path dir) {
        try {
            Files.createDirectories(dir);
            String config = JSON.writeValueAsString(SavedConfig.of(model));
            Safetensors.write(dir.resolve(WEIGHTS), model.stateDict(), Map.of(METADATA_KEY, config));
            AtomicFile.writeString(dir.resolve(CONFIG), config + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + model.name() + " to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Loads a model saved by {@link #save}: its directory, or its {@code model.safetensors}. */
    public static Model load(Path path) {
        Path weights = Files.isDirectory(path) ? path.resolve(WEIGHTS) : path;
        Path configFile = Files.isDirectory(path) ? path.resolve(CONFIG) : null;
        if (!Files.isRegularFile(weights)) {
            throw new IllegalArgumentException(path + " is not a saved tokenmix model (no " + WEIGHTS + ")");
        }
        Safetensors.Contents contents;
        String json;
        try {
            contents = Safetensors.read(weights);
            json = configFile != null && Files.isRegularFile(configFile) ? Files.readString(configFile)
                    : contents.metadata().get(METADATA_KEY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        if (json == null) {
            throw new IllegalArgumentException(weights + " has no tokenmix config; load it into a model created by "
                    + "name instead (TokenMix.createModel(name) + ModelFiles.loadWeights, or --weights)");
        }
        SavedConfig cfg;
        try {
            cfg = JSON.readValue(json, SavedConfig.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("the tokenmix config of " + path + " is not valid: " + e.getMessage(), e);
        }
        Model m = TokenMix.createModel(cfg.model(), cfg.options());
        WeightLoader.load(m, contents.tensors(), true, weights.getFileName().toString());
        return m;
    }

    /** A checkpoint file's contents: the map tree of a PyTorch file, or the flat map of a safetensors file. */
    public static Object readCheckpoint(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " does not exist or is not a file");
        }
        byte[] head = new byte[9];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (n >= 9 && head[8] == '{') {
            try {
                return new LinkedHashMap<String, Object>(Safetensors.read(file).tensors());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        if (n >= 2 && ((head[0] == 'P' && head[1] == 'K') || (head[0] & 0xFF) == 0x80)) {
            return TorchCheckpoint.read(file);
        }
        throw new WeightsFormatException(file + " is neither a safetensors file nor a PyTorch checkpoint");
    }

    /**
     * Loads the weights in {@code file} (safetensors or PyTorch) into {@code model}, finding the state_dict as timm
     * does.
     */
    public static LoadReport loadWeights(Model model, Path file, boolean strict, boolean preferEma) {
        String name = file.getFileName().toString();
        StateDicts.Found found = StateDicts.find(readCheckpoint(file), preferEma, name);
        return WeightLoader.load(model, found.tensors(), strict, name + (found.foundUnder().isEmpty() ? ""
                : "[" + found.foundUnder() + "]"));
    }
}
