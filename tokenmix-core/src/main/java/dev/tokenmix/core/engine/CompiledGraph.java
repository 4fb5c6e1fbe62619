package dev.tokenmix.core.engine;

import dev.tokenmix.core.engine.exec.PlanExecutor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A built graph with one batched input and named outputs, ready to run. Models keep one per input resolution
 * and mode; every graph reads the model's parameter arrays directly, so they stay in step with training and
 * loading.
 *
 * <p>Runs go through {@link PlanExecutor}, which replays a fixed plan of native ops and fused kernels per batch
 * size. A graph it cannot run falls back to SameDiff's own {@code output()}, as does every graph when the system
 * property {@value #EXECUTOR_PROPERTY} is {@code samediff} (for comparing the two); with {@code strict} a graph
 * the plan cannot run is an error.
 */
public final class CompiledGraph {
    /** System property choosing the executor: {@code plan} (default), {@code samediff} or {@code strict}. */
    public static final String EXECUTOR_PROPERTY = "tokenmix.executor";

    private final Ops ops;
    private final Tensor input;
    private final Map<String, Tensor> outputs;
    private final PlanOrSameDiff execution;

    /** Wraps a finished build: {@code input} is its placeholder, {@code outputs} the named results. */
    public CompiledGraph(Ops ops, Tensor input, Map<String, Tensor> outputs) {
        this.ops = ops;
        this.input = input;
        this.outputs = Map.copyOf(outputs);
        this.execution = new PlanOrSameDiff(new PlanExecutor(ops.sameDiff(), input.var().name(), ops.fusions()));
    }

    public Ops ops() {
        return ops;
    }

    public SameDiff sameDiff() {
        return ops.sameDiff();
    }

    /** The static input shape with -1 for the batch. */
    public long[] inputShape() {
        return input.shape();
    }

    public Tensor output(String name) {
        Tensor t = outputs.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no output '" + name + "'; outputs are " + outputs.keySet());
        }
        return t;
    }

    /** Runs the graph in inference (eval behaviour) on {@code x} and returns the named output. */
    public INDArray run(INDArray x, String outputName) {
        return run(x, new String[] {outputName}).get(outputName);
    }

    /** Runs the graph on {@code x} and returns the named outputs, keyed by name. */
    public Map<String, INDArray> run(INDArray x, String... outputNames) {
        checkInput(x);
        Map<String, String> varToName = new HashMap<>();
        String[] vars = new String[outputNames.length];
        for (int i = 0; i < outputNames.length; i++) {
            vars[i] = output(outputNames[i]).var().name();
            varToName.put(vars[i], outputNames[i]);
        }
        Map<String, INDArray> raw = execute(x, vars);
        Map<String, INDArray> out = new HashMap<>();
        raw.forEach((k, v) -> out.put(varToName.get(k), v));
        return out;
    }

    /**
     * Runs the graph on {@code x} and returns the activations marked {@code tapName} while it was built (see
     * {@link Ops#tap}), in build order, keyed by the producing module's path; a path that marked more than one gets
     * {@code #2}, {@code #3} ... on its later entries.
     *
     * @param x the input batch
     * @param tapName the name the activations were marked with
     * @return the activations by module path, empty when nothing was marked with that name
     */
    public Map<String, INDArray> runTaps(INDArray x, String tapName) {
        List<Tap> taps = ops.taps(tapName);
        Map<String, Tensor> named = new LinkedHashMap<>();
        for (Tap t : taps) {
            String key = t.path().isEmpty() ? tapName : t.path();
            String unique = key;
            for (int k = 2; named.containsKey(unique); k++) {
                unique = key + "#" + k;
            }
            named.put(unique, t.tensor());
        }
        return evaluate(x, named);
    }

    /**
     * Runs the graph on {@code x} and returns any tensors of it (outputs or not), keyed as given and in the
     * given order.
     *
     * @param x the input batch
     * @param tensors tensors of this graph by the names to return them under
     * @return their values for {@code x}, keyed and ordered as {@code tensors}
     */
    public Map<String, INDArray> evaluate(INDArray x, Map<String, Tensor> tensors) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (tensors.isEmpty()) {
            return out;
        }
        checkInput(x);
        String[] vars = new String[tensors.size()];
        int i = 0;
        for (Tensor t : tensors.values()) {
            vars[i++] = t.var().name();
        }
        Map<String, INDArray> raw = execute(x, vars);
        tensors.forEach((k, t) -> out.put(k, raw.get(t.var().name())));
        return out;
    }

    /**
     * Times every step of later plan-executor runs (see {@link PlanExecutor#setStepListener}); runs that fall back
     * to SameDiff report nothing here.
     *
     * @param l the listener, or null to stop
     */
    public void setStepListener(PlanExecutor.StepListener l) {
        execution.plan().setStepListener(l);
    }

    /** The values of the variables {@code vars} for the input {@code x}, keyed by variable name. */
    private Map<String, INDArray> execute(INDArray x, String[] vars) {
        INDArray typed = x.castTo(ops.dataType());
        Map<String, INDArray> inputs = new HashMap<>();
        inputs.put(input.var().name(), typed);
        if (ops.usesLearningPhase()) {
            inputs.put(Ops.LEARNING_PHASE, Nd4j.scalar(false)); // inference, as SameDiff's session fills it
        }
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(Arrays.asList(vars)));
        return execution.run(inputs, distinct, () -> ops.sameDiff().output(Map.of(input.var().name(), typed), vars));
    }

    /** Checks a concrete input against the graph's static shape before anything native runs. */
    public void checkInput(INDArray x) {
        long[] want = input.shape();
        long[] got = x.shape();
        boolean ok = got.length == want.length;
        for (int i = 1; ok && i < got.length; i++) {
            ok = got[i] == want[i];
        }
        if (!ok || got[0] < 1) {
            throw new ShapeMismatchException("input", "expected an input of shape " + Shapes.format(want)
                    + " but got " + Arrays.toString(got));
        }
    }

    /** The placeholder name of the input. */
    public String inputName() {
        return input.var().name();
    }
}
