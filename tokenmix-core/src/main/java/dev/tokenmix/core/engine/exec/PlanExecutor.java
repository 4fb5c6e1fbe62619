package dev.tokenmix.core.engine.exec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.shape.Reshape;
import org.nd4j.linalg.api.ops.impl.shape.Shape;
import org.nd4j.linalg.api.ops.impl.shape.Stack;
import org.nd4j.linalg.api.ops.impl.shape.Unstack;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.GradientBackwardsMarker;
import org.nd4j.linalg.api.ops.impl.transforms.same.Identity;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Runs a built SameDiff graph (a model's graph for inference, or its gradient function for a training step) with a
 * fixed execution plan per combination of requested outputs and input shapes, instead of SameDiff's
 * {@code output()}.
 *
 * <p>Why: on DeiT-Tiny, SameDiff's inference session spent about a sixth of the step outside the kernels
 * (dependency tracking, output allocation, shape inference for every op on every call), another tenth copying
 * arrays in {@code reshape}, and most of the element-wise time in long chains of small ops. The first call for a
 * combination here walks the graph backwards from the requested outputs, executes it once while it records:
 *
 * <ul>
 *   <li>one native op per SameDiff op, with its inputs and outputs bound once in an {@link OpContext};</li>
 *   <li>every {@code reshape} of a dense array, and the parts of an {@code unstack} along its first axis, as
 *       views, with no copy;</li>
 *   <li>the {@link Fusion}s it is given as one step each, skipping the ops they stand for: those the op facade
 *       recorded, and in a gradient function the backward fusions of {@link GradientFusions};</li>
 *   <li>{@code erf}, the backward of broadcasting add, subtract and multiply, the backward of 1x1 convolutions,
 *       and depthwise convolutions where libnd4j is slow, through faster kernels of its own
 *       ({@link FloatKernels}, {@link BroadcastGradients}, {@link DepthwiseKernels});</li>
 *   <li>output buffers reused as soon as their last reader has run.</li>
 * </ul>
 *
 * <p>Later calls only copy the inputs in and run the recorded steps. Parameter arrays are bound by identity; if a
 * variable's array is replaced, the plan is rebuilt. The values returned are copies, so callers may keep them
 * across calls.
 *
 * <p>A graph it cannot plan (a placeholder that was not given, an op it has no way to run, or any error while the
 * plan is built) makes the first call throw {@link UnsupportedOperationException} with the cause;
 * {@code CompiledGraph} and {@code TrainingStep} then stay with SameDiff, unless the system property
 * {@code tokenmix.executor} is {@code strict}, which makes that an error (the test suite runs so).
 */
public final class PlanExecutor {
    private static final OpExecutioner EXEC = Nd4j.getExecutioner();
    /** The smallest grid (pixels per channel) whose 1x1 convolution backward runs as per-sample products. */
    private static final long MIN_POINTWISE_PIXELS = 14 * 14;
    /** The smallest grid whose NCHW 3x3 depthwise convolution runs in Java. */
    private static final long MIN_DEPTHWISE_FORWARD_PIXELS = 28 * 28;
    /** The smallest grid whose NCHW depthwise backward (5x5 and larger) runs in Java. */
    private static final long MIN_DEPTHWISE_BACKWARD_PIXELS = 14 * 14;

    private final SameDiff sd;
    private final String inputName;
    private final Map<String, Fusion> fusions;
    private final int maxPlans;
    private final Map<PlanKey, Plan> plans = new LinkedHashMap<>(16, 0.75f, true); // least recently used first
    private final FloatKernels kernels = new FloatKernels();
    private final DepthwiseKernels depthwise = new DepthwiseKernels();
    private final BroadcastGradients grads = new BroadcastGradients(EXEC);
    private final MatrixProducts products = new MatrixProducts(EXEC, ParallelRanges.shared());
    private final ConvolutionPatches patches = new ConvolutionPatches(ParallelRanges.shared());
    private SplittableRandom random = new SplittableRandom(0x7a1e5eedL);

    /**
     * An executor of {@code sd} fed through the placeholder {@code inputName}, keeping up to four plans (four batch
     * sizes, say).
     *
     * @param sd the graph
     * @param inputName the placeholder that {@link #run(INDArray, List)} fills
     * @param fusions fused computations by the variable they produce
     */
    public PlanExecutor(SameDiff sd, String inputName, Map<String, Fusion> fusions) {
        this(sd, inputName, fusions, 4);
    }

    /**
     * An executor of {@code sd}.
     *
     * @param sd the graph
     * @param inputName the placeholder that {@link #run(INDArray, List)} fills, or null
     * @param fusions fused computations by the variable they produce
     * @param maxPlans how many plans (one per combination of input shapes and outputs) to keep; each holds its
     *     buffers, so a training graph keeps fewer
     */
    public PlanExecutor(SameDiff sd, String inputName, Map<String, Fusion> fusions, int maxPlans) {
        if (maxPlans < 1) {
            throw new IllegalArgumentException("maxPlans must be >= 1, got " + maxPlans);
        }
        this.sd = sd;
        this.inputName = inputName;
        this.fusions = Map.copyOf(fusions);
        this.maxPlans = maxPlans;
    }

    /**
     * Values of the variables {@code outputs} for the input {@code x}, keyed by variable name.
     *
     * @param x the input, already of the graph's data type
     * @param outputs variable names
     * @return copies of their values
     */
    public Map<String, INDArray> run(INDArray x, List<String> outputs) {
        if (inputName == null) {
            throw new IllegalStateException("this executor has no default input; pass the placeholders by name");
        }
        return run(Map.of(inputName, x), outputs);
    }

    /**
     * Values of the variables {@code outputs} for the placeholder values {@code inputs}, keyed by variable name.
     *
     * @param inputs placeholder name to value, already of the placeholders' data types
     * @param outputs variable names
     * @return copies of their values
     */
    public synchronized Map<String, INDArray> run(Map<String, INDArray> inputs, List<String> outputs) {
        Map<String, INDArray> copies = new LinkedHashMap<>();
        runShared(inputs, outputs).forEach((k, v) -> copies.put(k, v.dup()));
        return copies;
    }

    /**
     * As {@link #run(Map, List)}, but the values are the plan's own arrays, not copies: the next run of this
     * executor overwrites them. For callers that use the values at once, such as an optimizer step on the
     * gradients; copying a large model's gradients every step took about as long as the optimizer itself.
     *
     * @param inputs placeholder name to value, already of the placeholders' data types
     * @param outputs variable names
     * @return the plan's arrays, valid until the next run
     */
    public synchronized Map<String, INDArray> runShared(Map<String, INDArray> inputs, List<String> outputs) {
        Map<String, List<Long>> shapes = new java.util.TreeMap<>();
        inputs.forEach((k, v) -> shapes.put(k, Arrays.stream(v.shape()).boxed().toList()));
        PlanKey key = new PlanKey(List.copyOf(outputs), shapes);
        Plan plan = plans.get(key);
        if (plan != null && !plan.bindingsCurrent()) {
            plans.remove(key);
            plan = null;
        }
        Map<String, INDArray> result;
        if (plan == null) {
            while (plans.size() >= maxPlans) {
                plans.remove(plans.keySet().iterator().next());
            }
            plan = new Plan();
            try {
                result = plan.build(inputs, outputs);
            } catch (UnsupportedOperationException e) {
                throw e;
            } catch (RuntimeException e) {
                // an op whose arguments the plan binds differently from SameDiff's session: not this graph's fault
                throw new UnsupportedOperationException("cannot plan this graph: " + e, e);
            }
            plans.put(key, plan);
        } else {
            result = plan.execute(inputs);
        }
        return java.util.Collections.unmodifiableMap(result);
    }

    /**
     * Restarts the generator states of the graph's random ops (dropout and DropPath masks), so that the following
     * runs draw the masks of {@code seed}. Every run of a random op draws new states from this sequence.
     *
     * @param seed the seed
     */
    public synchronized void reseed(long seed) {
        random = new SplittableRandom(seed);
    }

    /** Receives the time of every step of a run, for profiling. */
    @FunctionalInterface
    public interface StepListener {
        /**
         * One step ran.
         *
         * @param label the native op's name ({@code matmul}, {@code add}); the name of the op a kernel of this
         *     executor replaces ({@code multiply_bp}, {@code divide_bp}); {@code batched_matmul} or
         *     {@code batched_matmul_bp} for batched products run per matrix, {@code matmul_bp_products} for a 2-D
         *     {@code matmul_bp}, {@code conv2d_bp_weights} for a convolution's backward without its input
         *     gradient; or a fused step's
         *     ({@code fused_linear}, {@code fused_gelu}, {@code fused_layer_norm}, {@code fused_layer_norm_inner},
         *     {@code fused_gelu_bp}, {@code fused_gelu_with_derivative}, {@code fused_gelu_bp_from_derivative},
         *     {@code fused_layer_norm_bp}, {@code fused_layer_norm_inner_bp}, {@code fused_softmax_bp},
         *     {@code fused_depthwise_conv}, {@code fused_depthwise_conv_bp}, {@code fused_pointwise_conv},
         *     {@code fused_pointwise_conv_bp}, {@code fused_erf}, {@code dense_copy})
         * @param nanos its wall time
         */
        void stepRan(String label, long nanos);
    }

    private volatile StepListener listener;

    /**
     * Times every step of later runs and reports it to {@code l}; null stops.
     *
     * @param l the listener, or null
     */
    public void setStepListener(StepListener l) {
        this.listener = l;
    }

    /** What a plan is for: the requested outputs and the shape of every input. */
    private record PlanKey(List<String> outputs, Map<String, List<Long>> inputShapes) {
    }

    /** A step of a plan: one native op or one fused kernel on bound arrays. */
    private record Step(String label, Runnable body) {
    }

    /** A node of the demand graph: a SameDiff op, or a fusion producing one variable. */
    private record Node(SameDiffOp op, String fusedOutput, Fusion fusion) {
        List<String> inputs() {
            return op != null ? op.getInputsToOp() == null ? List.of() : op.getInputsToOp() : fusion.inputs();
        }

        List<String> outputs() {
            return op != null ? op.getOutputsOfOp() : fusion.outputs(fusedOutput);
        }
    }

    private final class Plan {
        private final List<Step> steps = new ArrayList<>();
        private final Map<String, INDArray> bindings = new HashMap<>(); // parameter and constant arrays, by name
        private final Map<String, INDArray> results = new LinkedHashMap<>();
        private final Map<String, INDArray> inputs = new HashMap<>(); // placeholder buffers, by name
        private final Map<String, float[]> layerNormStats = new HashMap<>(); // by layerNormKey
        // the GELU inputs that their forward step overwrites with GELU's derivative, for their backward
        private final Set<String> geluDerivativeKept = new HashSet<>();
        // the forward output of the softmax each softmax_bp op differentiates, by the backward op's name
        private final Map<String, String> softmaxOutputs = new HashMap<>();
        // while building: the nodes in order, the requested outputs, the last reader of each variable (by index
        // into the order; requested outputs at the end), and the index of the node being bound
        private Map<String, Integer> lastUse;
        private List<Node> nodesInOrder;
        private List<String> requested;
        private int bindingIndex;

        boolean bindingsCurrent() {
            for (Map.Entry<String, INDArray> e : bindings.entrySet()) {
                if (sd.getArrForVarName(e.getKey()) != e.getValue()) {
                    return false;
                }
            }
            return true;
        }

        Map<String, INDArray> execute(Map<String, INDArray> given) {
            inputs.forEach((name, buffer) -> buffer.assign(given.get(name)));
            StepListener l = listener;
            if (l == null) {
                for (Step s : steps) {
                    s.body().run();
                }
            } else {
                for (Step s : steps) {
                    long t0 = System.nanoTime();
                    s.body().run();
                    l.stepRan(s.label(), System.nanoTime() - t0);
                }
            }
            return results;
        }

        /** Orders the demanded nodes, executes them once while binding every step, and returns the outputs. */
        Map<String, INDArray> build(Map<String, INDArray> given, List<String> outputs) {
            List<Node> order = order(outputs, given.keySet());
            // the last node (index into order) that reads each variable; requested outputs live to the end
            Map<String, Integer> lastUse = new HashMap<>();
            for (int i = 0; i < order.size(); i++) {
                for (String in : order.get(i).inputs()) {
                    lastUse.put(in, i);
                }
            }
            for (String o : outputs) {
                lastUse.put(o, Integer.MAX_VALUE);
            }
            findSoftmaxOutputs(order, lastUse);
            Buffers buffers = new Buffers();
            planStacksInPlace(order, buffers);
            this.nodesInOrder = order;
            this.lastUse = lastUse;
            this.requested = outputs;
            Map<String, INDArray> values = new HashMap<>();
            given.forEach((name, value) -> {
                INDArray buffer = value.dup('c');
                inputs.put(name, buffer);
                values.put(name, buffer);
            });
            for (int i = 0; i < order.size(); i++) {
                Node n = order.get(i);
                bindingIndex = i;
                List<INDArray> in = new ArrayList<>();
                for (String name : n.inputs()) {
                    in.add(value(name, values));
                }
                Step step = n.op() != null ? opStep(n.op(), in, values, buffers) : fusedStep(n, in, values, buffers);
                if (step != null) {
                    step.body().run();
                    steps.add(step);
                }
                // release what no later node reads
                for (String name : new HashSet<>(reads(n))) {
                    if (lastUse.getOrDefault(name, -1) == i) {
                        buffers.release(name);
                    }
                }
                for (String name : n.outputs()) {
                    if (!lastUse.containsKey(name)) {
                        buffers.release(name);
                    }
                }
            }
            for (String o : outputs) {
                results.put(o, value(o, values));
            }
            return results;
        }

        /**
         * Whether the values of GELU input {@code x} may be replaced by its derivative once the GELU forward (the
         * node being bound) has read them: {@code x} is not requested, and after this node nothing reads its buffer
         * (under any variable that shares it) but the GELU's backward and ops that read only shapes.
         */
        private boolean onlyGeluBackwardReadsLater(String x, Buffers buffers) {
            boolean backward = false;
            for (int j = bindingIndex + 1; j < nodesInOrder.size(); j++) {
                Node n = nodesInOrder.get(j);
                for (String in : reads(n)) {
                    if (!buffers.sameBuffer(in, x)) {
                        continue;
                    }
                    if (n.fusion() instanceof Fusion.GeluBackward gb && gb.x().equals(x)) {
                        backward = true;
                    } else if (n.op() == null || !(n.op().getOp() instanceof Shape)) {
                        return false;
                    }
                }
            }
            for (String o : requested) {
                if (buffers.sameBuffer(o, x)) {
                    return false;
                }
            }
            return backward;
        }

        /**
         * Pairs each {@code softmax_bp} op with the output of the softmax of the same input over the same axis, if
         * the plan computes it, and keeps that output until the backward has read it.
         */
        private void findSoftmaxOutputs(List<Node> order, Map<String, Integer> lastUse) {
            Map<String, String> forward = new HashMap<>(); // input and axis -> output
            for (int i = 0; i < order.size(); i++) {
                SameDiffOp sdo = order.get(i).op();
                if (sdo == null || !(sdo.getOp() instanceof DynamicCustomOp op) || op.iArgs().length != 1
                        || sdo.getInputsToOp() == null) {
                    continue;
                }
                String key = sdo.getInputsToOp().get(0) + '\u0000' + op.iArgs()[0];
                if (op.opName().equals("softmax") && sdo.getInputsToOp().size() == 1) {
                    forward.put(key, sdo.getOutputsOfOp().get(0));
                } else if (op.opName().equals("softmax_bp") && forward.containsKey(key)) {
                    String y = forward.get(key);
                    softmaxOutputs.put(sdo.getName(), y);
                    lastUse.merge(y, i, Math::max);
                }
            }
        }

        /**
         * Lets every {@code stack} along the first axis of distinct computed parts (attention's q, k and v gradients,
         * the backward of {@code Ops.unbind}) have its parts written into their places in its output as they are
         * computed, so that the stack itself copies nothing.
         */
        private void planStacksInPlace(List<Node> order, Buffers buffers) {
            for (Node n : order) {
                SameDiffOp sdo = n.op();
                if (sdo == null || !(sdo.getOp() instanceof Stack st) || st.iArgs().length < 1 || st.iArgs()[0] != 0
                        || sdo.getInputsToOp() == null) {
                    continue;
                }
                List<String> parts = sdo.getInputsToOp();
                if (new HashSet<>(parts).size() != parts.size()) {
                    continue;
                }
                boolean computed = true;
                for (String part : parts) {
                    Variable v = sd.getVariables().get(part);
                    computed &= v != null && v.getOutputOfOp() != null
                            && v.getVariable().getVariableType() == VariableType.ARRAY;
                }
                if (computed) {
                    for (int i = 0; i < parts.size(); i++) {
                        buffers.planSlot(parts.get(i), sdo.getOutputsOfOp().get(0), i, parts.size());
                    }
                }
            }
        }

        /**
         * A {@code stack} whose parts were computed in their places in its output ({@link #planStacksInPlace}):
         * nothing to run; a part that was not (a view of another array, say) is copied in.
         *
         * @return the step copying parts in, or null if every part is in its place
         */
        private Step stackInPlace(SameDiffOp sdo, INDArray[] args, Map<String, INDArray> values, Buffers buffers) {
            String out = sdo.getOutputsOfOp().get(0);
            INDArray all = buffers.stacked(out);
            long[] shape = new long[args[0].rank() + 1];
            shape[0] = args.length;
            System.arraycopy(args[0].shape(), 0, shape, 1, args[0].rank());
            INDArray stacked = all.reshape('c', shape); // [parts, part shape...]
            values.put(out, stacked);
            List<Runnable> copies = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                INDArray place = stacked.slice(i);
                INDArray part = args[i];
                if (!Arrays.equals(place.shape(), part.shape())) {
                    throw new UnsupportedOperationException("stack of parts of different shapes");
                }
                if (!sameMemory(place, part)) {
                    copies.add(() -> place.assign(part));
                }
            }
            return copies.isEmpty() ? null : new Step("stack", () -> copies.forEach(Runnable::run));
        }

        /** What node {@code n} reads: its inputs, and for a {@code softmax_bp} the softmax's output. */
        private List<String> reads(Node n) {
            String y = n.op() == null ? null : softmaxOutputs.get(n.op().getName());
            if (y == null) {
                return n.inputs();
            }
            List<String> all = new ArrayList<>(n.inputs());
            all.add(y);
            return all;
        }

        /** Whether no node reads {@code var} and it is not requested. */
        private boolean unread(String var) {
            return !lastUse.containsKey(var);
        }

        private INDArray value(String name, Map<String, INDArray> values) {
            INDArray v = values.get(name);
            if (v != null) {
                return v;
            }
            SDVariable var = sd.getVariable(name);
            VariableType t = var.getVariableType();
            if (t == VariableType.VARIABLE || t == VariableType.CONSTANT) {
                INDArray arr = sd.getArrForVarName(name);
                bindings.put(name, arr);
                values.put(name, arr);
                return arr;
            }
            throw new UnsupportedOperationException("no value for '" + name + "' (" + t + ")");
        }

        private Step fusedStep(Node n, List<INDArray> given, Map<String, INDArray> values, Buffers buffers) {
            // the kernels read dense float arrays: anything else (a parameter kept as a permuted view of PyTorch's
            // layout) is copied into a dense array of its own before every run, a step of its own
            List<INDArray> in = new ArrayList<>();
            for (INDArray a : given) {
                if (a.dataType() != DataType.FLOAT) {
                    throw new UnsupportedOperationException("fusion input not float: " + n.fusion());
                }
                in.add(dense(a));
            }
            INDArray x = in.get(0);
            if (n.fusion() instanceof Fusion.Linear lin) {
                INDArray w = in.get(1);
                INDArray b = in.size() > 2 ? in.get(2) : null;
                long[] shape = {x.size(0), w.size(lin.outIn() ? 0 : 1)}; // [rows, out]
                INDArray out = output(n.fusedOutput(), x.dataType(), shape, values, buffers);
                // libnd4j's matmul bound once (measured a little faster than Nd4j.gemm on DeiT's shapes), then the
                // bias as a native in-place row broadcast (faster than gemm's beta = 1 on bias rows)
                OpContext oc = products.bind(x, w, out, false, lin.outIn(), 0.0);
                BroadcastAddOp addBias = b == null ? null : new BroadcastAddOp(out, b, out, 1); // [rows, out] + [out]
                return new Step("fused_linear", () -> {
                    products.run(oc);
                    if (addBias != null) {
                        EXEC.exec(addBias);
                    }
                });
            }
            if (n.fusion() instanceof Fusion.Pointwise) {
                return pointwiseStep(n, x, in.get(1), in.size() > 2 ? in.get(2) : null, values, buffers);
            }
            if (n.fusion() instanceof Fusion.GeluBackward gb) {
                INDArray dx = output(gb.dx(), x.dataType(), x.shape(), values, buffers);
                INDArray dy = in.get(1);
                if (geluDerivativeKept.contains(gb.x())) { // x holds the derivative since the forward step
                    return new Step("fused_gelu_bp_from_derivative", grads.multiply(x, dy, dx));
                }
                return new Step("fused_gelu_bp", () -> kernels.geluBackward(x, dy, dx));
            }
            if (n.fusion() instanceof Fusion.LayerNormBackward lb) {
                return layerNormBackward(lb, in, values, buffers);
            }
            INDArray out = output(n.fusedOutput(), x.dataType(), x.shape(), values, buffers);
            if (n.fusion() instanceof Fusion.Gelu g) {
                // the input's own buffer (no dense copy, no other variable in it) may take the derivative
                if (x == given.get(0) && onlyGeluBackwardReadsLater(g.x(), buffers)) {
                    geluDerivativeKept.add(g.x());
                    return new Step("fused_gelu_with_derivative", () -> kernels.geluKeepingDerivative(x, out));
                }
                return new Step("fused_gelu", () -> kernels.gelu(x, out));
            }
            Fusion.LayerNorm ln = (Fusion.LayerNorm) n.fusion();
            INDArray w = ln.weight() == null ? null : in.get(1);
            INDArray b = ln.bias() == null ? null : in.get(ln.weight() == null ? 1 : 2);
            // each row's statistics, for the backward of the same LayerNorm if the plan has one
            float[] stats = FloatKernels.statistics(x.length(), x.size(ln.axis()));
            layerNormStats.put(layerNormKey(ln.x(), ln.weight(), ln.eps(), ln.axis()), stats);
            if (ln.axis() == x.rank() - 1) {
                return new Step("fused_layer_norm", () -> kernels.layerNorm(x, w, b, ln.eps(), out, stats));
            }
            return new Step("fused_layer_norm_inner",
                    () -> kernels.layerNormInner(x, ln.axis(), w, b, ln.eps(), out, stats));
        }

        /** What identifies a LayerNorm's statistics: its input, weight, epsilon and axis. */
        private static String layerNormKey(String x, String weight, double eps, int axis) {
            return x + '\u0000' + weight + '\u0000' + eps + '\u0000' + axis;
        }

        /** The LayerNorm backward of {@code lb}: the input gradient, and the weight and bias gradients it writes. */
        private Step layerNormBackward(Fusion.LayerNormBackward lb, List<INDArray> in, Map<String, INDArray> values,
                                       Buffers buffers) {
            INDArray x = in.get(0);
            INDArray w = lb.weight() == null ? null : in.get(1);
            INDArray dy = in.get(in.size() - 1);
            if (!Arrays.equals(x.shape(), dy.shape())) {
                throw new UnsupportedOperationException("LayerNorm gradient of shape " + Arrays.toString(dy.shape())
                        + " for an input of shape " + Arrays.toString(x.shape()));
            }
            long[] vector = {x.size(lb.axis())};
            INDArray dx = output(lb.dx(), x.dataType(), x.shape(), values, buffers);
            INDArray dw = output(lb.dWeight(), x.dataType(), vector, values, buffers);
            INDArray db = output(lb.dBias(), x.dataType(), vector, values, buffers);
            // the forward's statistics: its step ran earlier in every run of this plan (null: none, compute them)
            float[] stats = layerNormStats.get(layerNormKey(lb.x(), lb.weight(), lb.eps(), lb.axis()));
            if (lb.axis() == x.rank() - 1) {
                return new Step("fused_layer_norm_bp",
                        () -> kernels.layerNormBackward(x, w, dy, lb.eps(), dx, dw, db, stats));
            }
            return new Step("fused_layer_norm_inner_bp",
                    () -> kernels.layerNormInnerBackward(x, lb.axis(), w, dy, lb.eps(), dx, dw, db, stats));
        }

        /**
         * A pooled buffer of {@code shape} for variable {@code var}, recorded as its value; null if {@code var} is
         * null (a gradient nothing asks for).
         */
        private static INDArray output(String var, DataType dt, long[] shape, Map<String, INDArray> values,
                                       Buffers buffers) {
            if (var == null) {
                return null;
            }
            INDArray out = buffers.allocate(var, dt, shape);
            values.put(var, out);
            return out;
        }

        /** {@code a}, or, if it is not dense, a dense copy of it refreshed by a step of its own before every run. */
        private INDArray dense(INDArray a) {
            if (FloatKernels.denseAnyType(a)) {
                return a;
            }
            INDArray copy = Nd4j.create(a.dataType(), a.shape());
            Step densify = new Step("dense_copy", () -> copy.assign(a));
            densify.body().run();
            steps.add(densify);
            return copy;
        }

        /**
         * The backward of a 1x1 convolution with stride 1 ({@code conv2d_bp} with a {@code [1, 1, C, O]} weight) as
         * matrix products per sample, {@code dx_b = W dy_b} and {@code dW = sum_b x_b dy_b^T}, and the bias gradient
         * as a sum over batch and pixels. libnd4j's {@code conv2d_bp} measured 1.1-2.8x slower on GLNet's shapes.
         *
         * @return the step, or null if this {@code conv2d_bp} is not such a convolution
         */
        private Step pointwiseBackward(SameDiffOp sdo, INDArray[] args, Map<String, INDArray> values,
                                       Buffers buffers) {
            DynamicCustomOp op = (DynamicCustomOp) sdo.getOp();
            long[] ia = op.iArgs();
            boolean hasBias = args.length == 4;
            // iArgs: kH, kW, sH, sW, pH, pW, dH, dW, padding mode, NHWC?, weight format
            boolean pointwise = ia.length >= 11 && ia[0] == 1 && ia[1] == 1 && ia[2] == 1 && ia[3] == 1 && ia[4] == 0
                    && ia[5] == 0 && ia[9] == 0 && ia[10] == 0 && (args.length == 3 || hasBias)
                    && sdo.getOutputsOfOp().size() == args.length - 1;
            // per-sample products pay only on grids of 14x14 and more: on small ones libnd4j's single call wins (a tiny
            // model's training step measured about a quarter slower with the products)
            long pixels = args[0].rank() == 4 ? args[0].size(2) * args[0].size(3) : 0;
            if (!pointwise || args[0].dataType() != DataType.FLOAT || pixels < MIN_POINTWISE_PIXELS) {
                return null;
            }
            INDArray x = dense(args[0]);
            INDArray w = dense(args[1]);
            INDArray g = dense(args[args.length - 1]);
            long c = x.size(1);
            long o = w.size(3);
            long plane = x.size(2) * x.size(3);
            List<String> outs = sdo.getOutputsOfOp();
            INDArray dx = output(outs.get(0), x.dataType(), x.shape(), values, buffers);
            INDArray dw = output(outs.get(1), w.dataType(), w.shape(), values, buffers);
            INDArray db = hasBias ? output(outs.get(2), g.dataType(), new long[] {o}, values, buffers) : null;
            INDArray wt = w.reshape('c', c, o); // [C, O]
            INDArray dwt = dw.reshape('c', c, o); // [C, O], the same elements as dw
            INDArray[] xs = samples(x, c, plane); // each [C, H*W]
            INDArray[] gs = samples(g, o, plane); // each [O, H*W]
            INDArray[] dxs = samples(dx, c, plane); // each [C, H*W]
            // the bias gradient sums dy over pixels and samples: a product with a column of ones per sample
            INDArray ones = hasBias ? Nd4j.ones(g.dataType(), plane, 1) : null; // [H*W, 1]
            INDArray dbColumn = hasBias ? db.reshape('c', o, 1) : null; // [O, 1], the same elements as db
            // libnd4j's matmul bound once per product; the weight and bias gradients add up over the samples
            // (beta = 1 after the first)
            List<OpContext> bound = new ArrayList<>();
            for (int i = 0; i < xs.length; i++) {
                double beta = i == 0 ? 0.0 : 1.0;
                bound.add(products.bind(wt, gs[i], dxs[i], false, false, 0.0));
                bound.add(products.bind(xs[i], gs[i], dwt, false, true, beta));
                if (ones != null) {
                    bound.add(products.bind(gs[i], ones, dbColumn, false, false, beta));
                }
            }
            return new Step("fused_pointwise_conv_bp", () -> {
                for (OpContext oc : bound) {
                    products.run(oc);
                }
            });
        }

        /**
         * The backward of a dense convolution whose input gradient nothing reads (a model's first convolution, on
         * the image): only the weight and bias gradients, as products of the unfolded patches
         * ({@link ConvolutionPatches}) with the output gradient; {@code conv2d_bp} would compute the input
         * gradient too.
         *
         * @return the step, or null if the input gradient is read or the convolution is not covered
         */
        private Step convolutionWeightGradients(SameDiffOp sdo, INDArray[] args, Map<String, INDArray> values,
                                                Buffers buffers) {
            long[] ia = ((DynamicCustomOp) sdo.getOp()).iArgs();
            List<String> outs = sdo.getOutputsOfOp();
            boolean hasBias = args.length == 4;
            // iArgs: kH, kW, sH, sW, pH, pW, dH, dW, padding mode (0: explicit), NHWC?, weight format (0: YXIO)
            if (ia.length < 11 || ia[8] != 0 || ia[10] != 0 || !(args.length == 3 || hasBias)
                    || outs.size() != args.length - 1 || !unread(outs.get(0)) || !FloatKernels.dense(args[0])
                    || !FloatKernels.dense(args[1]) || !FloatKernels.dense(args[args.length - 1])) {
                return null;
            }
            boolean channelsLast = ia[9] == 1;
            INDArray x = args[0];
            INDArray w = args[1];
            INDArray g = args[args.length - 1]; // [B, H', W', O] or [B, O, H', W']
            ConvolutionPatches.Geometry geo = new ConvolutionPatches.Geometry(Math.toIntExact(ia[0]),
                    Math.toIntExact(ia[1]), Math.toIntExact(ia[2]), Math.toIntExact(ia[3]), Math.toIntExact(ia[4]),
                    Math.toIntExact(ia[5]), Math.toIntExact(ia[6]), Math.toIntExact(ia[7]));
            long batch = x.size(0);
            long o = w.size(3);
            long k = w.size(0) * w.size(1) * w.size(2);
            long positions = g.length() / (batch * o); // per sample
            INDArray dw = output(outs.get(1), w.dataType(), w.shape(), values, buffers);
            INDArray db = hasBias ? output(outs.get(2), g.dataType(), new long[] {o}, values, buffers) : null;
            String scratch = outs.get(1) + "#patches";
            INDArray rows = buffers.allocate(scratch, DataType.FLOAT, new long[] {batch * positions, k});
            buffers.release(scratch); // used only inside this step
            INDArray dwk = dw.reshape('c', k, o); // [kH*kW*C, O], the same elements as dw
            INDArray dbColumn = hasBias ? db.reshape('c', o, 1) : null; // [O, 1], the same elements as db
            List<OpContext> bound = new ArrayList<>();
            if (channelsLast) { // the whole batch at once: dW = rows^T dy, db = dy^T 1
                INDArray dy = g.reshape('c', batch * positions, o);
                bound.add(products.bind(rows, dy, dwk, true, false, 0.0));
                if (hasBias) {
                    bound.add(products.bind(dy, Nd4j.ones(DataType.FLOAT, batch * positions, 1), dbColumn, true,
                            false, 0.0));
                }
            } else { // per sample, adding up (beta = 1 after the first): dW += rows_b^T dy_b^T, db += dy_b 1
                INDArray ones = Nd4j.ones(DataType.FLOAT, positions, 1);
                for (int b = 0; b < batch; b++) {
                    double beta = b == 0 ? 0.0 : 1.0;
                    INDArray rowsB = rows.get(NDArrayIndex.interval(b * positions, (b + 1) * positions),
                            NDArrayIndex.all()); // [H'*W', K]
                    INDArray dyB = g.slice(b).reshape('c', o, positions); // [O, H'*W']
                    bound.add(products.bind(rowsB, dyB, dwk, true, true, beta));
                    if (hasBias) {
                        bound.add(products.bind(dyB, ones, dbColumn, false, false, beta));
                    }
                }
            }
            return new Step("conv2d_bp_weights", () -> {
                patches.unfold(x, channelsLast, geo, rows);
                for (OpContext oc : bound) {
                    products.run(oc);
                }
            });
        }

        /**
         * A shape-keeping depthwise convolution ({@code depthwise_conv2d}: x, weight, bias?) or its backward
         * ({@code depthwise_conv2d_bp}: x, weight, bias?, dy to dx, dweight, dbias?) through
         * {@link DepthwiseKernels}, in NCHW or NHWC.
         *
         * @return the step, or null if the kernels do not cover this convolution
         */
        private Step depthwiseStep(String name, SameDiffOp sdo, INDArray[] args, Map<String, INDArray> values,
                                   Buffers buffers) {
            long[] ia = ((DynamicCustomOp) sdo.getOp()).iArgs();
            boolean backward = name.endsWith("_bp");
            List<String> outs = sdo.getOutputsOfOp();
            int inputs = args.length - (backward ? 1 : 0);
            if (!DepthwiseKernels.supports(ia, args[0], args[1]) || inputs < 2 || inputs > 3
                    || outs.size() != (backward ? inputs : 1)) {
                return null;
            }
            boolean nhwc = ia[9] == 1;
            long pixels = nhwc ? args[0].size(1) * args[0].size(2) : args[0].size(2) * args[0].size(3);
            // where the Java kernels measured faster than libnd4j (batch 8, one thread): its oneDNN forward in NHWC
            // and its small grids are faster, and its NCHW backward of 3x3 kernels about as fast
            boolean java = backward ? nhwc || ia[0] >= 5 && pixels >= MIN_DEPTHWISE_BACKWARD_PIXELS
                    : !nhwc && ia[0] == 3 && pixels >= MIN_DEPTHWISE_FORWARD_PIXELS;
            if (!java) {
                return null;
            }
            INDArray x = dense(args[0]);
            INDArray w = dense(args[1]);
            INDArray b = inputs == 3 ? dense(args[2]) : null;
            INDArray out = output(outs.get(0), x.dataType(), x.shape(), values, buffers);
            if (!backward) {
                return new Step("fused_depthwise_conv", () -> depthwise.forwardNchw(x, w, b, out));
            }
            INDArray dy = dense(args[args.length - 1]);
            INDArray dw = output(outs.get(1), w.dataType(), w.shape(), values, buffers);
            INDArray db = b == null ? null : output(outs.get(2), b.dataType(), b.shape(), values, buffers);
            return new Step("fused_depthwise_conv_bp", nhwc ? () -> depthwise.backwardNhwc(x, w, dy, out, dw, db)
                    : () -> depthwise.backwardNchw(x, w, dy, out, dw, db));
        }

        /**
         * A batched {@code matmul} or {@code matmul_bp} (inputs {@code a, b} and, for the backward, {@code dc}) as
         * one product per matrix, or a 2-D {@code matmul_bp} as its two products (see {@link MatrixProducts}); null
         * where libnd4j's op stays: a 2-D forward, small matrices, a transposed result, other scalings, or operands
         * that are not dense float arrays.
         */
        private Step batchedProduct(String name, DynamicCustomOp op, INDArray[] args, List<String> outNames,
                                    Map<String, INDArray> values, Buffers buffers) {
            long[] i = op.iArgs();
            double[] t = op.tArgs();
            boolean backward = name.equals("matmul_bp");
            if (args.length != (backward ? 3 : 2) || i.length < 2 || (i.length > 2 && i[2] != 0)
                    || (t.length > 0 && t[0] != 1.0) || (t.length > 1 && t[1] != 0.0)) {
                return null;
            }
            INDArray a = args[0];
            INDArray b = args[1];
            boolean ta = i[0] != 0;
            boolean tb = i[1] != 0;
            boolean single = backward && a.rank() == 2 && b.rank() == 2 && FloatKernels.dense(a)
                    && FloatKernels.dense(b);
            if (!(single || MatrixProducts.splits(a, b, ta, tb)) || (backward && !FloatKernels.dense(args[2]))) {
                return null;
            }
            if (!backward) {
                int r = a.rank();
                long[] shape = a.shape().clone(); // [batch..., M, N]
                shape[r - 2] = a.size(ta ? r - 1 : r - 2);
                shape[r - 1] = b.size(tb ? r - 2 : r - 1);
                INDArray out = output(outNames.get(0), DataType.FLOAT, shape, values, buffers);
                return new Step("batched_matmul", products.batched(a, b, out, ta, tb));
            }
            // a 2-D product's gradient that nothing reads (an image's, through a patch embedding) is skipped
            INDArray da = single && unread(outNames.get(0)) ? null
                    : output(outNames.get(0), DataType.FLOAT, a.shape(), values, buffers);
            INDArray db = single && unread(outNames.get(1)) ? null
                    : output(outNames.get(1), DataType.FLOAT, b.shape(), values, buffers);
            return single ? new Step("matmul_bp_products", products.backward(a, b, args[2], da, db, ta, tb))
                    : new Step("batched_matmul_bp", products.batchedBackward(a, b, args[2], da, db, ta, tb));
        }

        /** The samples of dense NCHW {@code x} as {@code [channels, pixels]} matrices sharing its memory. */
        private INDArray[] samples(INDArray x, long channels, long pixels) {
            INDArray all = x.reshape('c', x.size(0), channels, pixels); // [B, C, H*W]
            INDArray[] each = new INDArray[Math.toIntExact(x.size(0))];
            for (int i = 0; i < each.length; i++) {
                each[i] = all.slice(i);
            }
            return each;
        }

        /** A 1x1 convolution as one matrix product per sample, on views bound once. */
        private Step pointwiseStep(Node n, INDArray x, INDArray w, INDArray b, Map<String, INDArray> values,
                                   Buffers buffers) {
            long batch = x.size(0);
            long c = x.size(1);
            long o = w.size(3);
            long plane = x.size(2) * x.size(3);
            INDArray out = output(n.fusedOutput(), x.dataType(), new long[] {batch, o, x.size(2), x.size(3)}, values,
                    buffers);
            INDArray wt = w.reshape('c', c, o); // [C, O], used transposed: out_b = W^T x_b
            INDArray[] xs = samples(x, c, plane); // each [C, H*W]
            INDArray[] ys = samples(out, o, plane); // each [O, H*W]
            OpContext[] perSample = new OpContext[xs.length]; // libnd4j's matmul bound once per sample
            for (int i = 0; i < xs.length; i++) {
                perSample[i] = products.bind(wt, xs[i], ys[i], true, false, 0.0);
            }
            int o32 = Math.toIntExact(o);
            int plane32 = Math.toIntExact(plane);
            return new Step("fused_pointwise_conv", () -> {
                // the bias of each sample right after its product, while the sample is in the cache
                float[] bias = b == null ? null : FloatKernels.vectorOr(b, o32, 0f);
                for (int i = 0; i < perSample.length; i++) {
                    products.run(perSample[i]);
                    if (bias != null) {
                        kernels.addRowBias(ys[i], bias, plane32);
                    }
                }
            });
        }

        /**
         * {@code multiply_bp}, {@code divide_bp}, {@code add_bp} or {@code subtract_bp} of {@code x op y} with
         * incoming gradient {@code g}, as broadcast products, quotients and sums (see {@link BroadcastGradients}).
         */
        private Step broadcastBackward(String name, SameDiffOp sdo, INDArray[] args, Map<String, INDArray> values,
                                       Buffers buffers) {
            INDArray x = args[0];
            INDArray y = args[1];
            INDArray g = args[2];
            long[] product = org.nd4j.linalg.api.shape.Shape.broadcastOutputShape(x.shape(), y.shape());
            if (!Arrays.equals(product, g.shape())) {
                throw new UnsupportedOperationException(name + " with a gradient of shape " + Arrays.toString(g.shape())
                        + " for operands " + Arrays.toString(x.shape()) + " and " + Arrays.toString(y.shape()));
            }
            String gName = sdo.getInputsToOp().get(2);
            List<Runnable> parts = new ArrayList<>();
            for (int side = 0; side < 2; side++) {
                INDArray operand = side == 0 ? x : y;
                INDArray other = side == 0 ? y : x;
                String outName = sdo.getOutputsOfOp().get(side);
                boolean same = BroadcastGradients.sameShape(g.shape(), operand.shape());
                boolean negate = side == 1 && name.equals("subtract_bp");
                if (name.equals("multiply_bp") || name.equals("divide_bp")) {
                    // d(x y)/dx = g y and d(x y)/dy = g x; d(x / y)/dx = g / y and d(x / y)/dy = -(g x) / y^2,
                    // where y is constant along the axes it was broadcast over, so it divides after the sum
                    boolean quotient = name.equals("divide_bp") && side == 0;
                    INDArray out = output(outName, g.dataType(), operand.shape(), values, buffers);
                    INDArray full = out;
                    String scratchName = outName + "#full";
                    if (!same) {
                        full = buffers.allocate(scratchName, g.dataType(), g.shape());
                    }
                    parts.add(quotient ? grads.divide(g, y, full) : grads.multiply(g, other, full));
                    if (!same) {
                        parts.add(grads.reduceTo(full, out));
                        buffers.release(scratchName); // used only inside this step
                    }
                    if (name.equals("divide_bp") && side == 1) {
                        parts.add(grads.divide(out, y, out));
                        parts.add(grads.divide(out, y, out));
                        parts.add(grads.negate(out, out));
                    }
                } else if (same && !negate) {
                    buffers.alias(outName, gName); // the gradient passes through unchanged
                    values.put(outName, g);
                } else {
                    INDArray out = output(outName, g.dataType(), operand.shape(), values, buffers);
                    if (same) {
                        parts.add(grads.negate(g, out));
                    } else {
                        parts.add(grads.reduceTo(g, out));
                        if (negate) {
                            parts.add(grads.negate(out, out));
                        }
                    }
                }
            }
            return new Step(name, () -> {
                for (Runnable r : parts) {
                    r.run();
                }
            });
        }

        private Step opStep(SameDiffOp sdo, List<INDArray> in, Map<String, INDArray> values, Buffers buffers) {
            DifferentialFunction df = sdo.getOp();
            List<String> outNames = sdo.getOutputsOfOp();
            INDArray[] args = in.toArray(new INDArray[0]);
            if (df instanceof GradientBackwardsMarker) {
                // the seed of backpropagation: a float one, as SameDiff's session makes it
                values.put(outNames.get(0), Nd4j.scalar(DataType.FLOAT, 1.0f));
                return null;
            }
            String name = df.opName();
            if ((name.equals("multiply_bp") || name.equals("divide_bp") || name.equals("add_bp")
                    || name.equals("subtract_bp")) && args.length == 3 && outNames.size() == 2) {
                return broadcastBackward(name, sdo, args, values, buffers);
            }
            if (name.equals("depthwise_conv2d") || name.equals("depthwise_conv2d_bp")) {
                Step depthwise = depthwiseStep(name, sdo, args, values, buffers);
                if (depthwise != null) {
                    return depthwise;
                }
            }
            if ((name.equals("matmul") || name.equals("matmul_bp")) && df instanceof DynamicCustomOp mm) {
                Step batched = batchedProduct(name, mm, args, outNames, values, buffers);
                if (batched != null) {
                    return batched;
                }
            }
            if (name.equals("conv2d_bp")) {
                Step pointwise = pointwiseBackward(sdo, args, values, buffers);
                if (pointwise != null) {
                    return pointwise;
                }
                Step weightsOnly = convolutionWeightGradients(sdo, args, values, buffers);
                if (weightsOnly != null) {
                    return weightsOnly;
                }
            }
            if (name.equals("softmax_bp") && softmaxOutputs.containsKey(sdo.getName()) && args.length == 2) {
                INDArray y = values.get(softmaxOutputs.get(sdo.getName()));
                INDArray dy = args[1];
                int axis = Math.toIntExact(((DynamicCustomOp) df).iArgs()[0]);
                if (y != null && (axis == -1 || axis == y.rank() - 1) && FloatKernels.dense(y)
                        && FloatKernels.dense(dy) && Arrays.equals(y.shape(), dy.shape())) {
                    // from the softmax's output, which the forward kept: no exponentials again
                    INDArray dx = output(outNames.get(0), DataType.FLOAT, y.shape(), values, buffers);
                    return new Step("fused_softmax_bp", () -> kernels.softmaxBackward(y, dy, dx));
                }
            }
            if (name.equals("erf") && args.length == 1 && FloatKernels.dense(args[0])) {
                // libnd4j's erf is a scalar loop (about 6 ns per element); the Java kernel is several times faster
                INDArray x = args[0];
                INDArray out = output(outNames.get(0), x.dataType(), x.shape(), values, buffers);
                return new Step("fused_erf", () -> kernels.erf(x, out));
            }
            if (df instanceof Stack && buffers.stacked(outNames.get(0)) != null) {
                return stackInPlace(sdo, args, values, buffers);
            }
            if (df instanceof Shape && args.length == 1) {
                // every array of a plan keeps the shape it was built with: the shape is a constant of the plan,
                // in an array of its own that the pool never hands out again
                DataType dt = sd.getVariable(outNames.get(0)).dataType();
                values.put(outNames.get(0), Nd4j.createFromArray(args[0].shape()).castTo(dt));
                return null;
            }
            if (df instanceof Identity) {
                buffers.alias(outNames.get(0), sdo.getInputsToOp().get(0));
                values.put(outNames.get(0), args[0]);
                return null;
            }
            if (df instanceof Unstack u && FloatKernels.denseAnyType(args[0]) && u.iArgs().length > 0
                    && u.iArgs()[0] == 0 && args[0].size(0) == outNames.size()) {
                // the parts of a dense array along its first axis are consecutive blocks of it: views, no copies
                for (int i = 0; i < outNames.size(); i++) {
                    buffers.alias(outNames.get(i), sdo.getInputsToOp().get(0));
                    values.put(outNames.get(i), args[0].slice(i));
                }
                return null;
            }
            if (df instanceof Reshape && FloatKernels.denseAnyType(args[0])) {
                OpContext oc = EXEC.buildContext();
                DynamicCustomOp r = (DynamicCustomOp) df;
                oc.setArgs(args, r.iArgs(), r.dArgs(), r.tArgs(), r.bArgs());
                long[] shape = r.calculateOutputShape(oc).get(0).getShape();
                INDArray view = args[0].reshape('c', shape);
                if (sameMemory(view, args[0])) {
                    buffers.alias(outNames.get(0), sdo.getInputsToOp().get(0));
                    values.put(outNames.get(0), view);
                    return null;
                }
            }
            OpContext oc = EXEC.buildContext();
            if (df instanceof CustomOp) {
                DynamicCustomOp op = (DynamicCustomOp) df;
                oc.setArgs(args, op.iArgs(), op.dArgs(), op.tArgs(), op.bArgs());
                List<LongShapeDescriptor> shapes = op.calculateOutputShape(oc);
                if (shapes == null || shapes.size() != outNames.size()) {
                    throw new UnsupportedOperationException("no output shapes for " + op.opName());
                }
                for (int i = 0; i < shapes.size(); i++) {
                    DataType dt = sd.getVariable(outNames.get(i)).dataType();
                    oc.setOutputArray(i, output(outNames.get(i), dt, shapes.get(i).getShape(), values, buffers));
                }
                if (isRandom(df)) {
                    // new generator states on every run: an op context keeps its own otherwise, and every run
                    // would draw the same dropout mask
                    return new Step(df.opName(), () -> {
                        oc.setRngStates(random.nextLong(), random.nextLong());
                        EXEC.exec(op, oc);
                    });
                }
                return new Step(df.opName(), () -> EXEC.exec(op, oc));
            }
            if (df instanceof Op op) {
                if (args.length == 0 || args.length > 2) {
                    throw new UnsupportedOperationException(args.length + " inputs to legacy op " + df.opName());
                }
                if (isRandom(df)) {
                    throw new UnsupportedOperationException("legacy random op " + df.opName());
                }
                if (op instanceof ReduceOp reduce && reduce.getOpType() != Op.Type.REDUCE3 && args.length == 2) {
                    throw new UnsupportedOperationException("reduction with an axis input: " + df.opName());
                } else if (op instanceof ScalarOp && args.length == 2) {
                    // its scalar would live in the op object that every plan of this graph shares
                    throw new UnsupportedOperationException("scalar op with a computed scalar: " + df.opName());
                }
                oc.setInputArray(0, args[0]);
                if (args.length == 2) {
                    oc.setInputArray(1, args[1]);
                }
                List<LongShapeDescriptor> shapes = ((org.nd4j.linalg.api.ops.BaseOp) op).calculateOutputShape(oc);
                if (shapes == null || shapes.size() != 1) {
                    throw new UnsupportedOperationException("no output shape for " + df.opName());
                }
                LongShapeDescriptor s = shapes.get(0);
                oc.setOutputArray(0, output(outNames.get(0), s.dataType(), s.getShape(), values, buffers));
                return new Step(df.opName(), () -> EXEC.exec(op, oc));
            }
            throw new UnsupportedOperationException("cannot run " + df.getClass().getSimpleName());
        }

        /**
         * The nodes needed for {@code outputs}, inputs before readers: fusions where the facade recorded one (so
         * the ops they stand for are never visited), the producing op otherwise.
         */
        private List<Node> order(List<String> outputs, java.util.Set<String> placeholders) {
            List<Node> order = new ArrayList<>();
            Set<String> done = new HashSet<>(); // variables available
            Set<String> opsDone = new HashSet<>();
            Deque<String> stack = new ArrayDeque<>();
            Set<String> visits = new HashSet<>(); // (input, reader) pairs already pushed: a repeat means a cycle
            for (int i = outputs.size() - 1; i >= 0; i--) {
                stack.push(outputs.get(i));
            }
            while (!stack.isEmpty()) {
                String v = stack.peek();
                if (done.contains(v)) {
                    stack.pop();
                    continue;
                }
                Variable var = sd.getVariables().get(v);
                if (var == null) {
                    throw new UnsupportedOperationException("unknown variable " + v);
                }
                VariableType t = var.getVariable().getVariableType();
                if (t == VariableType.VARIABLE || t == VariableType.CONSTANT) {
                    done.add(v);
                    stack.pop();
                    continue;
                }
                if (t == VariableType.PLACEHOLDER) {
                    if (!placeholders.contains(v)) {
                        throw new UnsupportedOperationException("needs placeholder " + v);
                    }
                    done.add(v);
                    stack.pop();
                    continue;
                }
                Fusion f = var.getVariable().dataType() == DataType.FLOAT ? fusions.get(v) : null;
                List<String> inputs;
                Node node;
                if (f != null) {
                    node = new Node(null, v, f);
                    inputs = f.inputs();
                } else {
                    SameDiffOp op = sd.getOps().get(var.getOutputOfOp());
                    if (op == null) {
                        throw new UnsupportedOperationException("no producer of " + v);
                    }
                    node = new Node(op, null, null);
                    inputs = node.inputs();
                }
                boolean ready = true;
                Set<String> pushed = new HashSet<>();
                for (int i = inputs.size() - 1; i >= 0; i--) {
                    String in = inputs.get(i);
                    if (!done.contains(in) && pushed.add(in)) {
                        if (!visits.add(in + "@" + v)) {
                            throw new UnsupportedOperationException("cycle at " + in);
                        }
                        stack.push(in);
                        ready = false;
                    }
                }
                if (ready) {
                    stack.pop();
                    if (node.op() == null || opsDone.add(node.op().getName())) {
                        order.add(node);
                    }
                    done.addAll(node.outputs());
                }
            }
            return order;
        }
    }

    private static boolean isRandom(DifferentialFunction op) {
        return op.getClass().getPackageName().startsWith("org.nd4j.linalg.api.ops.random");
    }

    /** Whether {@code a} starts where {@code b} does in the same native memory (a view, not a copy). */
    private static boolean sameMemory(INDArray a, INDArray b) {
        long elem = a.dataType().width();
        return a.data().address() + a.offset() * elem == b.data().address() + b.offset() * elem;
    }

    /**
     * Output buffers by variable, reused once every variable that shares one (an op's output and its reshape
     * views) has had its last reader. Buffers are flat and reshaped to each use; reuse needs the same data type
     * and length.
     */
    private static final class Buffers {
        private final Map<String, INDArray> rootOf = new HashMap<>(); // variable -> flat buffer it lives in
        private final Map<INDArray, Integer> users = new java.util.IdentityHashMap<>();
        private final Map<String, Deque<INDArray>> free = new HashMap<>();
        private final Map<String, Slot> slots = new HashMap<>(); // stack part -> its place
        private final Map<String, INDArray> stackedRoots = new HashMap<>(); // stack output -> its flat buffer

        INDArray allocate(String var, DataType dt, long[] shape) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n == 0) {
                throw new UnsupportedOperationException("empty array for " + var);
            }
            Slot slot = slots.get(var);
            if (slot != null && shape.length > 0) {
                INDArray all = stackedRoots.get(slot.stack());
                if (all == null) { // the first part allocated: the whole stack's buffer, held for the stack itself
                    all = take(dt, n * slot.count());
                    stackedRoots.put(slot.stack(), all);
                    rootOf.put(slot.stack(), all);
                    users.merge(all, 1, Integer::sum);
                }
                if (all.dataType() == dt && all.length() == n * slot.count()) {
                    rootOf.put(var, all);
                    users.merge(all, 1, Integer::sum);
                    return all.reshape('c', slot.count(), n).slice(slot.index()).reshape('c', shape);
                }
            }
            INDArray root = take(dt, n);
            rootOf.put(var, root);
            users.merge(root, 1, Integer::sum);
            return shape.length == 0 ? root.reshape() : root.reshape('c', shape);
        }

        /** A free buffer of {@code n} values of {@code dt} from the pool, or a new one. */
        private INDArray take(DataType dt, long n) {
            Deque<INDArray> pool = free.get(dt + ":" + n);
            return pool == null || pool.isEmpty() ? Nd4j.create(dt, n) : pool.pop();
        }

        /** Part {@code index} of {@code count} of a {@code stack} output: allocated in its place in that output. */
        private record Slot(String stack, int index, int count) {
        }

        /** Allocates {@code part}, when its turn comes, as part {@code index} of {@code count} of {@code stack}. */
        void planSlot(String part, String stack, int index, int count) {
            slots.put(part, new Slot(stack, index, count));
        }

        /** The flat buffer of a {@code stack} output whose parts were allocated in it, or null. */
        INDArray stacked(String stack) {
            return stackedRoots.get(stack);
        }

        /** Whether {@code a} and {@code b} live in the same pooled buffer. */
        boolean sameBuffer(String a, String b) {
            INDArray root = rootOf.get(b);
            return root != null && rootOf.get(a) == root;
        }

        void alias(String var, String of) {
            INDArray root = rootOf.get(of);
            if (root != null) {
                rootOf.put(var, root);
                users.merge(root, 1, Integer::sum);
            }
        }

        void release(String var) {
            INDArray root = rootOf.remove(var);
            if (root == null) {
                return; // a parameter, a constant or the input
            }
            int left = users.merge(root, -1, Integer::sum);
            if (left == 0) {
                users.remove(root);
                free.computeIfAbsent(root.dataType() + ":" + root.length(), k -> new ArrayDeque<>()).push(root);
            }
        }
    }

    @Override
    public String toString() {
        return "PlanExecutor" + Arrays.toString(plans.keySet().toArray());
    }
}
