package dev.tokenmix.train.checkpoint;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmix.core.io.Safetensors;
import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.models.Model;
import dev.tokenmix.train.optim.Optimizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The resume checkpoint of a run ({@code last.safetensors} in the run folder): one safetensors file, written
 * atomically (temporary file, fsync, rename), holding everything a run needs to continue exactly where it stood
 * after a finished epoch:
 *
 * <ul>
 *   <li>{@code model/KEY}: every parameter and buffer, in the model's own layout and type;</li>
 *   <li>{@code ema/KEY}: the EMA weights, when the run keeps them;</li>
 *   <li>{@code optim/SLOT/KEY}: the optimizer state (moments or momentum buffers, per-parameter step counts);</li>
 *   <li>metadata {@code tokenmix.train}: the {@link Position} (finished epochs, optimizer updates = the schedule's
 *       position, best accuracy so far) and the seed from which every random draw of the run derives.</li>
 * </ul>
 *
 * <p>Random state needs no snapshot: the data order, augmentation and dropout/DropPath masks of a step are functions
 * of (seed, epoch, step), so the seed and the position restore them.
 */
public final class TrainCheckpoint {
    /** File name of the checkpoint in a run folder. */
    public static final String FILE = "last.safetensors";
    private static final String META = "tokenmix.train";
    private static final String MODEL = "model/";
    private static final String EMA = "ema/";
    private static final String OPTIM = "optim/";
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private TrainCheckpoint() {
    }

    /**
     * Where a run stands after a finished epoch.
     *
     * @param formatVersion layout version of the file
     * @param model registered model name
     * @param epochsDone epochs finished (the next epoch to run, counting from 0)
     * @param updates optimizer updates so far (the schedule's position)
     * @param bestTop1 best eval top-1 so far (percent), -1 before any eval
     * @param bestEpoch the epoch (from 1) of {@code bestTop1}, 0 before any eval
     * @param seed the run's seed
     * @param optimizer the optimizer's name
     */
    public record Position(int formatVersion, String model, int epochsDone, long updates, double bestTop1,
                           int bestEpoch, long seed, String optimizer) {
    }

    /** The checkpoint file of {@code path}: {@code path/last.safetensors} for a run folder, else {@code path}. */
    public static Path resolve(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(FILE) : path;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--resume " + path + ": no checkpoint there (expected a run folder with "
                    + FILE + " or the file itself)");
        }
        return file;
    }

    /** Writes the checkpoint atomically; {@code ema} may be null. */
    public static void save(Path file, Position position, Model model, Model ema, Optimizer optimizer) {
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> tensors = new LinkedHashMap<>();
        for (Param p : model.parameters().entries()) {
            tensors.put(MODEL + p.key(), p.array());
        }
        if (ema != null) {
            for (Param p : ema.parameters().entries()) {
                tensors.put(EMA + p.key(), p.array());
            }
        }
        optimizer.state().forEach((k, v) -> tensors.put(OPTIM + k, v));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Safetensors.write(file, tensors, Map.of(META, JSON.writeValueAsString(position)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /** The position recorded in {@code file}, without loading the tensors' data into a model. */
    public static Position position(Path file) {
        try (var f = Safetensors.open(file)) {
            return parse(file, f.metadata().get(META));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Restores {@code model}, {@code ema} (may be null) and {@code optimizer} from {@code file}; every entry must
     * match in name and shape.
     *
     * @return the position to continue from
     */
    public static Position restore(Path file, Model model, Model ema, Optimizer optimizer) {
        Safetensors.Contents c;
        try {
            c = Safetensors.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
        Position pos = parse(file, c.metadata().get(META));
        if (!pos.model().equals(model.name())) {
            throw new IllegalArgumentException(file + " is a checkpoint of " + pos.model() + ", not " + model.name());
        }
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> optim = new LinkedHashMap<>();
        boolean hasEma = false;
        for (var e : c.tensors().entrySet()) {
            String k = e.getKey();
            if (k.startsWith(OPTIM)) {
                optim.put(k.substring(OPTIM.length()), e.getValue());
            } else if (k.startsWith(EMA)) {
                hasEma = true;
            }
        }
        if (hasEma != (ema != null)) {
            throw new IllegalArgumentException(file + (hasEma ? " holds EMA weights but the run has no --model-ema"
                    : " has no EMA weights but the run asks for --model-ema") + "; resume with the run's own settings");
        }
        assign(file, MODEL, c.tensors(), model.parameters());
        if (ema != null) {
            assign(file, EMA, c.tensors(), ema.parameters());
        }
        optimizer.loadState(optim);
        return pos;
    }

    private static void assign(Path file, String prefix, Map<String, org.nd4j.linalg.api.ndarray.INDArray> tensors,
                               ParameterStore store) {
        int n = 0;
        for (Param p : store.entries()) {
            var t = tensors.get(prefix + p.key());
            if (t == null) {
                throw new IllegalArgumentException(file + " lacks " + prefix + p.key()
                        + "; it was written for another model or number of classes");
            }
            if (!Arrays.equals(t.shape(), p.array().shape())) {
                throw new IllegalArgumentException(file + ": " + prefix + p.key() + " has shape "
                        + Arrays.toString(t.shape()) + " but the model's is " + Arrays.toString(p.array().shape()));
            }
            p.array().assign(t);
            n++;
        }
        long inFile = tensors.keySet().stream().filter(k -> k.startsWith(prefix)).count();
        if (inFile != n) {
            throw new IllegalArgumentException(file + " holds " + inFile + " " + prefix + " entries but the model has "
                    + n + "; it was written for another model");
        }
    }

    private static Position parse(Path file, String json) {
        if (json == null) {
            throw new IllegalArgumentException(file + " is not a tokenmix training checkpoint (no '" + META
                    + "' metadata)");
        }
        try {
            return JSON.readValue(json, Position.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": unreadable training metadata: " + e.getMessage(), e);
        }
    }
}
