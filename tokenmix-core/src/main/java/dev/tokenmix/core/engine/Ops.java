package dev.tokenmix.core.engine;

import dev.tokenmix.core.engine.exec.Fusion;
import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The op facade: the only place that calls SameDiff. Every model and primitive builds its graph through
 * these methods, so each known SameDiff 1.0.0-M2.1 trap is handled exactly once:
 *
 * <ul>
 *   <li>GELU is the exact erf form (SameDiff's {@code gelu} is the sigmoid approximation);</li>
 *   <li>LayerNorm takes the checkpoint's epsilon (SameDiff's {@code layerNorm} has none);</li>
 *   <li>a rank-3 by rank-2 product goes through a 2-D reshape (SameDiff's matmul does not broadcast);</li>
 *   <li>nothing on a gradient path uses gather, where, tensorMmul, batchMmul or variance (broken
 *       gradients): lookups are one-hot products, shifts are slices, variances are means of squares;</li>
 *   <li>dropout, DropPath and BatchNorm are written here, switched by the BOOL placeholder
 *       {@code keras_learning_phase} (SameDiff's dropout is active at inference and its batchNorm cannot
 *       be trained);</li>
 *   <li>convolution weights are in ND4J's default {@code [kH, kW, I, O]} layout.</li>
 * </ul>
 *
 * <p>Each method checks shapes statically (see {@link Tensor}) and throws {@link ShapeMismatchException}
 * naming the current module path, and counts multiply-adds of convolutions, linear layers and matrix
 * products at batch 1.
 *
 * <p>An {@code Ops} builds one graph: create it, build through its methods, then run the result with a
 * {@link CompiledGraph} (inference) or a {@link TrainingStep} (loss and gradients).
 */
public final class Ops {
    /** The placeholder SameDiff fills with the training phase. */
    public static final String LEARNING_PHASE = "keras_learning_phase";
    /** Wildcard for {@link #expectShape}. */
    public static final long ANY = Long.MIN_VALUE;

    private final SameDiff sd;
    private final ParameterStore store;
    private final Mode mode;
    private final DataType dataType;
    private final MaskSource masks;
    private final Map<String, Tensor> bound = new HashMap<>();
    private final Deque<String> paths = new ArrayDeque<>();
    private final Map<String, Long> macs = new LinkedHashMap<>();
    private final List<BatchStat> batchStats = new ArrayList<>();
    private final List<ModuleRecord> records = new ArrayList<>();
    private final List<String> placeholders = new ArrayList<>();
    private final Map<OneHotKey, SDVariable> oneHots = new HashMap<>();
    private final List<Tap> taps = new ArrayList<>();
    private final Map<String, Fusion> fusions = new HashMap<>();
    private SDVariable phase;

    /** A builder of one graph over {@code store}'s arrays, in {@code mode}, with in-graph random masks. */
    public Ops(ParameterStore store, Mode mode) {
        this(store, mode, MaskSource.random());
    }

    public Ops(ParameterStore store, Mode mode, MaskSource masks) {
        this.sd = SameDiff.create();
        this.store = store;
        this.mode = mode;
        this.dataType = store.dataType();
        this.masks = masks;
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public ParameterStore store() {
        return store;
    }

    public Mode mode() {
        return mode;
    }

    public DataType dataType() {
        return dataType;
    }

    // ------------------------------------------------------------------ inputs, parameters, constants

    /**
     * A placeholder; one dimension may be -1 (the batch).
     */
    public Tensor placeholder(String name, long... shape) {
        placeholders.add(name);
        return new Tensor(sd.placeHolder(name, dataType, shape), shape);
    }

    /**
     * Wraps a SameDiff variable of this graph whose shape the caller knows, for code that mixes raw SameDiff
     * with the facade.
     */
    public Tensor wrap(SDVariable var, long... shape) {
        return new Tensor(var, shape);
    }

    /** The store entry {@code key} in this graph: a variable if trainable, a constant if a buffer. */
    public Tensor param(String key) {
        Tensor t = bound.get(key);
        if (t == null) {
            Param p = store.get(key);
            SDVariable v = p.trainable() ? sd.var(key, p.array()) : sd.constant(key, p.array());
            t = new Tensor(v, p.array().shape());
            bound.put(key, t);
        }
        return t;
    }

    /** A constant of this graph (cast to the graph's data type if floating point). */
    public Tensor constant(INDArray value) {
        INDArray v = value.dataType().isFPType() ? value.castTo(dataType) : value;
        return new Tensor(sd.constant(v), v.shape());
    }

    // ------------------------------------------------------------------ module scope

    /** Enters a module: errors and counts are attributed to {@code path} until {@link #exit}. */
    public void enter(String path, String type) {
        paths.push(path);
        records.add(new ModuleRecord(path, type, "", paths.size() - 1));
    }

    /** Leaves the current module, recording its output shape. */
    public void exit(Tensor output) {
        String path = paths.pop();
        for (int i = records.size() - 1; i >= 0; i--) {
            ModuleRecord r = records.get(i);
            if (r.path().equals(path) && r.outputShape().isEmpty()) {
                records.set(i, new ModuleRecord(path, r.type(), output == null ? "-" : output.shapeString(),
                        r.depth()));
                break;
            }
        }
    }

    /** Leaves the current module after a failure, without recording an output. */
    public void abandon() {
        paths.pop();
    }

    /** The path of the innermost module being built, empty at the top. */
    public String currentPath() {
        return paths.isEmpty() ? "" : paths.peek();
    }

    // ------------------------------------------------------------------ named internal activations

    /**
     * Marks {@code t} as the activation {@code name} of the current module (see {@link Tap}), so that it can be
     * evaluated as an extra output of the finished graph.
     *
     * @param name what the activation is (shared by every producer of the same kind)
     * @param t the activation
     * @return {@code t}, unchanged
     */
    public Tensor tap(String name, Tensor t) {
        return tap(name, currentPath(), t);
    }

    /**
     * As {@link #tap(String, Tensor)}, attributed to {@code path} rather than to the current module.
     *
     * @param name what the activation is
     * @param path the path of the module that produced it
     * @param t the activation
     * @return {@code t}, unchanged
     */
    public Tensor tap(String name, String path, Tensor t) {
        taps.add(new Tap(name, path, t));
        return t;
    }

    /**
     * The activations marked {@code name}, in build order.
     *
     * @param name the name they were marked with
     * @return the marks, empty if none
     */
    public List<Tap> taps(String name) {
        List<Tap> out = new ArrayList<>();
        for (Tap t : taps) {
            if (t.name().equals(name)) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * Every marked activation, in build order.
     *
     * @return an unmodifiable view of the marks
     */
    public List<Tap> taps() {
        return Collections.unmodifiableList(taps);
    }

    /** Throws a {@link ShapeMismatchException} for the current module. */
    public ShapeMismatchException mismatch(String message) {
        return new ShapeMismatchException(currentPath(), message);
    }

    /** Checks {@code x}'s shape against {@code expected} ({@link #ANY} matches anything). */
    public void expectShape(Tensor x, String what, long... expected) {
        long[] s = x.shape();
        boolean ok = s.length == expected.length;
        for (int i = 0; ok && i < s.length; i++) {
            ok = expected[i] == ANY || expected[i] == s[i];
        }
        if (!ok) {
            throw mismatch(what + ": expected shape " + Shapes.formatExpected(expected) + " but got "
                    + x.shapeString());
        }
    }

    // ------------------------------------------------------------------ graph results

    /** Multiply-adds at batch 1 per module path (innermost module), in build order. */
    public Map<String, Long> macsByModule() {
        return Collections.unmodifiableMap(macs);
    }

    /** Total multiply-adds at batch 1 (convolutions, linear layers, matrix products). */
    public long totalMacs() {
        long n = 0;
        for (long m : macs.values()) {
            n += m;
        }
        return n;
    }

    /** The module calls seen while building, in order, with their output shapes. */
    public List<ModuleRecord> moduleRecords() {
        return Collections.unmodifiableList(records);
    }

    /** BatchNorms of a training graph whose running statistics a training step must update. */
    public List<BatchStat> batchStats() {
        return Collections.unmodifiableList(batchStats);
    }

    /**
     * The computations this graph spells out in several SameDiff ops that a faster executor may run as one (see
     * {@link dev.tokenmix.core.engine.exec.PlanExecutor}), keyed by the variable each produces.
     *
     * @return the recorded fusions, unmodifiable
     */
    public Map<String, Fusion> fusions() {
        return Collections.unmodifiableMap(fusions);
    }

    /** Placeholder names in creation order. */
    public List<String> placeholders() {
        return Collections.unmodifiableList(placeholders);
    }

    /** Store keys of the trainable parameters this graph reads, in first-use order. */
    public List<String> boundParameters() {
        List<String> keys = new ArrayList<>();
        for (Param p : store.parameters()) {
            if (bound.containsKey(p.key())) {
                keys.add(p.key());
            }
        }
        return keys;
    }

    /** Whether the graph reads {@code keras_learning_phase}. */
    public boolean usesLearningPhase() {
        return phase != null;
    }

    private void countMacs(long n) {
        macs.merge(currentPath(), n, Long::sum);
    }

    /** 1.0 in training executions, 0.0 otherwise, as a scalar of the graph's type. */
    private SDVariable phase() {
        if (phase == null) {
            SDVariable p = sd.placeHolder(LEARNING_PHASE, DataType.BOOL);
            phase = p.castTo(dataType);
        }
        return phase;
    }

    // ------------------------------------------------------------------ elementwise

    public Tensor add(Tensor a, Tensor b) {
        return new Tensor(a.var().add(b.var()), broadcastShape("add", a, b));
    }

    public Tensor sub(Tensor a, Tensor b) {
        return new Tensor(a.var().sub(b.var()), broadcastShape("sub", a, b));
    }

    public Tensor mul(Tensor a, Tensor b) {
        return new Tensor(a.var().mul(b.var()), broadcastShape("mul", a, b));
    }

    public Tensor div(Tensor a, Tensor b) {
        return new Tensor(a.var().div(b.var()), broadcastShape("div", a, b));
    }

    public Tensor add(Tensor a, double s) {
        return new Tensor(a.var().add(s), a.shape());
    }

    public Tensor mul(Tensor a, double s) {
        return new Tensor(a.var().mul(s), a.shape());
    }

    public Tensor neg(Tensor a) {
        return new Tensor(a.var().neg(), a.shape());
    }

    /** {@code 1 - a}. */
    public Tensor oneMinus(Tensor a) {
        return new Tensor(a.var().rsub(1.0), a.shape());
    }

    private long[] broadcastShape(String op, Tensor a, Tensor b) {
        long[] s = Shapes.broadcast(a.shape(), b.shape());
        if (s == null) {
            throw mismatch("cannot " + op + " shapes " + a.shapeString() + " and " + b.shapeString());
        }
        return s;
    }

    // ------------------------------------------------------------------ activations and maths

    /** Exact GELU, {@code 0.5 x (1 + erf(x / sqrt 2))}, as PyTorch's {@code nn.GELU()}. */
    public Tensor gelu(Tensor x) {
        SDVariable v = regionInput(x);
        SDVariable e = sd.math.erf(v.mul(1.0 / Math.sqrt(2.0))).add(1.0);
        SDVariable y = v.mul(0.5).mul(e);
        fusions.put(y.name(), new Fusion.Gelu(v.name()));
        return new Tensor(y, x.shape());
    }

    public Tensor relu(Tensor x) {
        return new Tensor(sd.nn.relu(x.var(), 0.0), x.shape());
    }

    public Tensor sigmoid(Tensor x) {
        return new Tensor(sd.nn.sigmoid(x.var()), x.shape());
    }

    public Tensor tanh(Tensor x) {
        return new Tensor(sd.math.tanh(x.var()), x.shape());
    }

    /** SiLU / swish, {@code x * sigmoid(x)}. */
    public Tensor silu(Tensor x) {
        return new Tensor(sd.nn.swish(x.var()), x.shape());
    }

    public Tensor exp(Tensor x) {
        return new Tensor(sd.math.exp(x.var()), x.shape());
    }

    public Tensor log(Tensor x) {
        return new Tensor(sd.math.log(x.var()), x.shape());
    }

    public Tensor sqrt(Tensor x) {
        return new Tensor(sd.math.sqrt(x.var()), x.shape());
    }

    public Tensor rsqrt(Tensor x) {
        return new Tensor(sd.math.rsqrt(x.var()), x.shape());
    }

    public Tensor square(Tensor x) {
        return new Tensor(sd.math.square(x.var()), x.shape());
    }

    public Tensor abs(Tensor x) {
        return new Tensor(sd.math.abs(x.var()), x.shape());
    }

    /**
     * Softmax over {@code axis} (negative counts from the end).
     *
     * <p>Over an inner axis it runs as permute, softmax over the last axis, permute back: ND4J 1.0.0-M2.1's softmax
     * over an inner axis takes a strided path that measured about 9x slower forward and 6x slower forward+backward
     * on GLMix's {@code [8, 64, 3136]} dispatch logits than the two copies plus the contiguous softmax.
     */
    public Tensor softmax(Tensor x, int axis) {
        int a = axis(x, axis);
        int last = x.rank() - 1;
        if (a == last) {
            return new Tensor(sd.nn.softmax(x.var(), a), x.shape());
        }
        int[] swap = new int[x.rank()];
        for (int i = 0; i < swap.length; i++) {
            swap[i] = i;
        }
        swap[a] = last;
        swap[last] = a;
        SDVariable moved = sd.permute(x.var(), swap); // axis a and the last exchanged
        SDVariable s = sd.nn.softmax(moved, last);
        return new Tensor(sd.permute(s, swap), x.shape()); // the exchange is its own inverse
    }

    /** Log-softmax over the last axis (SameDiff's explicit-axis form breaks gradients, so only the last). */
    public Tensor logSoftmax(Tensor x) {
        return new Tensor(sd.nn.logSoftmax(x.var()), x.shape());
    }

    /**
     * L2-normalises along {@code axis} as PyTorch's {@code F.normalize(x, dim=axis, eps=eps)}:
     * {@code x / max(||x||, eps)}.
     */
    public Tensor l2Normalize(Tensor x, int axis, double eps) {
        int a = axis(x, axis);
        // x * x, not square(x): the same values, and its gradient avoids square's slow pow derivative
        SDVariable norm = sd.math.sqrt(x.var().mul(x.var()).sum(true, a));
        SDVariable denom = sd.math.max(norm, sd.constant(Nd4j.scalar(dataType, eps)));
        return new Tensor(x.var().div(denom), x.shape());
    }

    // ------------------------------------------------------------------ reductions

    public Tensor mean(Tensor x, boolean keepDims, int... axes) {
        return reduce(x, keepDims, axes, true);
    }

    public Tensor sum(Tensor x, boolean keepDims, int... axes) {
        return reduce(x, keepDims, axes, false);
    }

    private Tensor reduce(Tensor x, boolean keepDims, int[] axes, boolean mean) {
        int[] a = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            a[i] = axis(x, axes[i]);
            if (x.dim(a[i]) < 0) {
                throw mismatch("cannot reduce over the batch dimension of " + x.shapeString());
            }
        }
        SDVariable v = mean ? x.var().mean(keepDims, a) : x.var().sum(keepDims, a);
        long[] s = x.shape();
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < s.length; i++) {
            boolean reduced = false;
            for (int r : a) {
                reduced |= r == i;
            }
            if (!reduced) {
                out.add(s[i]);
            } else if (keepDims) {
                out.add(1L);
            }
        }
        return new Tensor(v, out.stream().mapToLong(Long::longValue).toArray());
    }

    // ------------------------------------------------------------------ shape ops

    /**
     * Reshape; at most one entry of {@code shape} may be -1, and it takes whatever depends on the batch.
     */
    public Tensor reshape(Tensor x, long... shape) {
        long known = 1;
        int inferred = -1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (inferred >= 0) {
                    throw mismatch("reshape to " + Arrays.toString(shape) + ": more than one -1");
                }
                inferred = i;
            } else if (shape[i] <= 0) {
                throw mismatch("reshape to " + Arrays.toString(shape) + ": dimensions must be positive");
            } else {
                known *= shape[i];
            }
        }
        long perSample = x.elementsPerSample();
        boolean batched = Shapes.hasBatch(x.shape());
        long[] stat = shape.clone();
        if (inferred < 0) {
            if (batched || known != perSample) {
                throw mismatch("cannot reshape " + x.shapeString() + " to " + Arrays.toString(shape));
            }
        } else {
            if (perSample % known != 0) {
                throw mismatch("cannot reshape " + x.shapeString() + " to " + Arrays.toString(shape));
            }
            long k = perSample / known;
            stat[inferred] = batched ? -k : k;
        }
        return new Tensor(x.var().reshape(shape), stat);
    }

    public Tensor permute(Tensor x, int... axes) {
        if (axes.length != x.rank()) {
            throw mismatch("permute " + Arrays.toString(axes) + " of rank-" + x.rank() + " " + x.shapeString());
        }
        long[] s = x.shape();
        long[] out = new long[s.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = s[axes[i]];
        }
        return new Tensor(x.var().permute(axes), out);
    }

    /** Swaps two axes. */
    public Tensor transpose(Tensor x, int a, int b) {
        int[] axes = new int[x.rank()];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
        }
        int aa = axis(x, a);
        int bb = axis(x, b);
        axes[aa] = bb;
        axes[bb] = aa;
        return permute(x, axes);
    }

    /**
     * A learned {@code [1, k, C]} tensor repeated for every sample of {@code like} ({@code [B, >=k, C]}), giving
     * {@code [B, k, C]}: class tokens, super tokens. The graph has no op that tiles over the dynamic batch, so the
     * learned rows are added to a zeroed slice of {@code like}, which keeps the gradient path plain.
     */
    public Tensor repeatOverBatch(Tensor like, Tensor learned) {
        return add(mul(slice(like, 1, 0, learned.dim(1)), 0.0), learned); // [B, k, C]
    }

    public Tensor concat(int axis, Tensor... xs) {
        int a = axis(xs[0], axis);
        long[] s = xs[0].shape();
        long total = 0;
        SDVariable[] vars = new SDVariable[xs.length];
        for (int i = 0; i < xs.length; i++) {
            long[] si = xs[i].shape();
            boolean ok = si.length == s.length;
            for (int d = 0; ok && d < s.length; d++) {
                ok = d == a || si[d] == s[d];
            }
            if (!ok || si[a] < 0) {
                throw mismatch("cannot concatenate " + xs[0].shapeString() + " and " + xs[i].shapeString()
                        + " along axis " + a);
            }
            total += si[a];
            vars[i] = xs[i].var();
        }
        s[a] = total;
        return new Tensor(sd.concat(a, vars), s);
    }

    /**
     * The slices of {@code x} along {@code axis}, each without that axis ({@code torch.unbind}). For splitting a
     * stacked tensor into all its parts this beats one {@link #slice} per part in training: the gradient is one
     * {@code stack} of the parts' gradients, not a zero-filled full tensor per part and their sum.
     */
    public List<Tensor> unbind(Tensor x, int axis) {
        int a = axis(x, axis);
        long n = x.dim(a);
        if (n < 1) {
            throw mismatch("cannot unbind axis " + a + " of " + x.shapeString() + ": its length must be known");
        }
        long[] s = new long[x.rank() - 1];
        for (int i = 0, j = 0; i < x.rank(); i++) {
            if (i != a) {
                s[j++] = x.dim(i);
            }
        }
        List<Tensor> parts = new ArrayList<>();
        for (SDVariable v : sd.unstack(x.var(), a, Math.toIntExact(n))) {
            parts.add(new Tensor(v, s.clone()));
        }
        return parts;
    }

    /** {@code x[..., start:end, ...]} along {@code axis} (not the batch axis). */
    public Tensor slice(Tensor x, int axis, long start, long end) {
        return slice(x, axis, start, end, 1);
    }

    /** {@code x[..., start:end:step, ...]} along {@code axis} (not the batch axis). */
    public Tensor slice(Tensor x, int axis, long start, long end, long step) {
        int a = axis(x, axis);
        long n = x.dim(a);
        if (n < 0 || start < 0 || end > n || start >= end || step < 1) {
            throw mismatch("slice [" + start + ":" + end + ":" + step + "] of axis " + a + " of " + x.shapeString());
        }
        SDIndex[] idx = new SDIndex[x.rank()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = SDIndex.all();
        }
        idx[a] = step == 1 ? SDIndex.interval(start, end) : SDIndex.interval(start, step, end);
        long[] s = x.shape();
        s[a] = (end - start + step - 1) / step;
        return new Tensor(x.var().get(idx), s);
    }

    /** {@code torch.roll(x, shift, axis)}: out[i] = x[(i - shift) mod n], by two slices and a concat. */
    public Tensor roll(Tensor x, long shift, int axis) {
        int a = axis(x, axis);
        long n = x.dim(a);
        long s = ((shift % n) + n) % n;
        if (s == 0) {
            return x;
        }
        return concat(a, slice(x, a, n - s, n), slice(x, a, 0, n - s));
    }

    /** Constant padding; {@code padding[i] = {before, after}} for every axis. */
    public Tensor pad(Tensor x, long[][] padding, double value) {
        if (padding.length != x.rank()) {
            throw mismatch("padding for " + padding.length + " axes of rank-" + x.rank() + " " + x.shapeString());
        }
        long[] s = x.shape();
        int[][] p = new int[padding.length][2];
        for (int i = 0; i < padding.length; i++) {
            if ((padding[i][0] != 0 || padding[i][1] != 0) && s[i] < 0) {
                throw mismatch("cannot pad the batch dimension");
            }
            p[i][0] = Math.toIntExact(padding[i][0]);
            p[i][1] = Math.toIntExact(padding[i][1]);
            if (s[i] >= 0) {
                s[i] += padding[i][0] + padding[i][1];
            }
        }
        SDVariable pv = sd.constant(Nd4j.createFromArray(p));
        return new Tensor(sd.nn.pad(x.var(), pv, value), s);
    }

    /**
     * Swin's window partition: {@code [B, H, W, C]} to {@code [B*nW, ws, ws, C]}, windows in row-major order.
     */
    public Tensor windowPartition(Tensor x, int ws) {
        expectShape(x, "window partition input [B, H, W, C]", -1, ANY, ANY, ANY);
        long h = x.dim(1);
        long w = x.dim(2);
        long c = x.dim(3);
        if (h % ws != 0 || w % ws != 0) {
            throw mismatch("window size " + ws + " does not divide the " + h + "x" + w + " grid");
        }
        Tensor t = reshape(x, -1, h / ws, ws, w / ws, ws, c); // [B, H/ws, ws, W/ws, ws, C]
        t = permute(t, 0, 1, 3, 2, 4, 5); // [B, H/ws, W/ws, ws, ws, C]
        return reshape(t, -1, ws, ws, c); // [B*nW, ws, ws, C]
    }

    /** Inverse of {@link #windowPartition}: {@code [B*nW, ws, ws, C]} to {@code [B, H, W, C]}. */
    public Tensor windowReverse(Tensor windows, int ws, long h, long w) {
        long c = windows.dim(3);
        Tensor t = reshape(windows, -1, h / ws, w / ws, ws, ws, c); // [B, H/ws, W/ws, ws, ws, C]
        t = permute(t, 0, 1, 3, 2, 4, 5); // [B, H/ws, ws, W/ws, ws, C]
        return reshape(t, -1, h, w, c); // [B, H, W, C]
    }

    // ------------------------------------------------------------------ products

    /**
     * {@code x W^T + b} over the last axis with a PyTorch {@code [out, in]} weight; any leading dimensions are
     * folded into one for a 2-D product.
     */
    public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (weight.rank() != 2) {
            throw mismatch("linear weight must be [out, in], got " + weight.shapeString());
        }
        return rowProduct(x, weight, bias, true, "linear");
    }

    /**
     * A 1x1 convolution (stride 1, no padding) of channels-last {@code x [B, H, W, C]} with a {@code [1, 1, C, O]}
     * weight and optional {@code [O]} bias, giving {@code [B, H, W, O]}: {@code x W + b} over the last axis. Same
     * weights and results as {@link #conv2d} on the transposed input; on a channels-last map the whole batch is one
     * matrix product, which on 14x14 and 7x7 grids measured 1.4-1.8x faster than a product per NCHW sample.
     */
    public Tensor pointwiseConv2dChannelsLast(Tensor x, Tensor weight, Tensor bias) {
        expectImages(x, "channels-last 1x1 conv2d input [B, H, W, C]");
        if (weight.rank() != 4 || weight.dim(0) != 1 || weight.dim(1) != 1) {
            throw mismatch("1x1 conv2d weight must be [1, 1, C, O], got " + weight.shapeString());
        }
        Tensor w = reshape(weight, weight.dim(2), weight.dim(3)); // [1, 1, C, O] -> [C, O]
        return rowProduct(x, w, bias, false, "channels-last 1x1 conv2d");
    }

    /** {@code x W^T + b} ({@code outIn}: W is {@code [out, in]}) or {@code x W + b} over the last axis of x. */
    private Tensor rowProduct(Tensor x, Tensor weight, Tensor bias, boolean outIn, String what) {
        long out = weight.dim(outIn ? 0 : 1);
        long in = weight.dim(outIn ? 1 : 0);
        if (x.dim(-1) != in) {
            throw mismatch(what + " expects last dimension " + in + " but got input " + x.shapeString());
        }
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != out)) {
            throw mismatch(what + " bias must be [" + out + "], got " + bias.shapeString());
        }
        long[] s = x.shape();
        Tensor x2 = x.rank() == 2 ? x : reshape(x, -1, in); // [rows, in]
        SDVariable y = sd.mmul(x2.var(), weight.var(), false, outIn, false);
        if (bias != null) {
            y = y.add(bias.var());
        }
        fusions.put(y.name(), new Fusion.Linear(x2.var().name(), weight.var().name(),
                bias == null ? null : bias.var().name(), outIn));
        countMacs(Math.abs(x2.dim(0)) * in * out);
        long[] ys = {x2.dim(0), out};
        Tensor y2 = new Tensor(y, ys);
        if (x.rank() == 2) {
            return y2;
        }
        long[] target = s.clone();
        target[target.length - 1] = out;
        long[] r = target.clone();
        for (int i = 0; i < r.length; i++) {
            if (r[i] < 0) {
                r[i] = -1;
            }
        }
        return reshape(y2, r);
    }

    /**
     * The rows {@code table[index[i]]} of a batch-free {@code [T, D]} table, as {@code [index.length, D]}: a gather with
     * constant indices (Swin's relative position bias), written as the product of a constant one-hot
     * {@code [index.length, T]} matrix with the table because SameDiff's gather has a wrong gradient. Counts no
     * multiply-adds: it is a lookup, as in timm's and fvcore's counts.
     */
    public Tensor takeRows(Tensor table, int[] index) {
        if (table.rank() != 2 || Shapes.hasBatch(table.shape())) {
            throw mismatch("takeRows needs a [T, D] table without a batch dimension, got " + table.shapeString());
        }
        long t = table.dim(0);
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= t) {
                throw mismatch("takeRows index " + index[i] + " at position " + i + " is outside the table's " + t
                        + " rows");
            }
        }
        // one constant per distinct (index, rows) in a graph: the 24 blocks of a Swin-S share their 2401x169 matrix
        SDVariable oh = oneHots.computeIfAbsent(new OneHotKey(index.clone(), t), k -> {
            double[][] m = new double[index.length][Math.toIntExact(t)];
            for (int i = 0; i < index.length; i++) {
                m[i][index[i]] = 1.0;
            }
            return sd.constant(Nd4j.createFromArray(m).castTo(dataType));
        });
        return new Tensor(sd.mmul(oh, table.var()), new long[] {index.length, table.dim(1)});
    }

    /** Identity of a one-hot matrix of {@link #takeRows}. */
    private record OneHotKey(int[] index, long rows) {
        @Override
        public boolean equals(Object o) {
            return o instanceof OneHotKey k && rows == k.rows && Arrays.equals(index, k.index);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(index) + Long.hashCode(rows);
        }
    }

    /**
     * Batched matrix product of equal-rank tensors over the last two axes, optionally transposing either
     * (leading dimensions must match exactly).
     */
    public Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB) {
        if (a.rank() != b.rank() || a.rank() < 2) {
            throw mismatch("matmul of " + a.shapeString() + " and " + b.shapeString()
                    + ": ranks must be equal (reshape a rank-3 by rank-2 product to 2-D)");
        }
        int r = a.rank();
        long m = transposeA ? a.dim(r - 1) : a.dim(r - 2);
        long ka = transposeA ? a.dim(r - 2) : a.dim(r - 1);
        long kb = transposeB ? b.dim(r - 1) : b.dim(r - 2);
        long n = transposeB ? b.dim(r - 2) : b.dim(r - 1);
        boolean lead = true;
        for (int i = 0; i < r - 2; i++) {
            lead &= a.dim(i) == b.dim(i);
        }
        if (ka != kb || !lead || m < 0 || n < 0 || ka < 0) {
            throw mismatch("matmul of " + a.shapeString() + (transposeA ? "^T" : "") + " and " + b.shapeString()
                    + (transposeB ? "^T" : "") + ": shapes do not match");
        }
        long[] s = a.shape();
        s[r - 2] = m;
        s[r - 1] = n;
        long batch = 1;
        for (int i = 0; i < r - 2; i++) {
            batch *= Math.abs(s[i]);
        }
        countMacs(batch * m * ka * n);
        return new Tensor(sd.mmul(a.var(), b.var(), transposeA, transposeB, false), s);
    }

    /**
     * 2-D convolution of NCHW {@code x} with a {@code [kH, kW, C/groups, O]} weight and optional {@code [O]}
     * bias; symmetric zero padding as PyTorch's {@code padding=(pH, pW)}. Grouped convolutions (other than
     * depthwise, see {@link #depthwiseConv2d}) are split into per-group convolutions.
     */
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                         int groups) {
        expectImages(x, "conv2d input [B, C, H, W]");
        long c = x.dim(1);
        long kh = weight.dim(0);
        long kw = weight.dim(1);
        long cin = weight.dim(2);
        long o = weight.dim(3);
        if (c % groups != 0 || o % groups != 0 || cin != c / groups) {
            throw mismatch("conv2d with weight [kH=" + kh + ", kW=" + kw + ", I=" + cin + ", O=" + o + "] and groups="
                    + groups + " expects " + cin * groups + " input channels but got input " + x.shapeString());
        }
        long[] hw = convOut(x, kh, kw, stride, padding, dilation);
        Kernel k = kernel(weight, dilation);
        Conv2DConfig cfg = convConfig(k.height(), k.width(), stride, padding, NO_DILATION);
        SDVariable w = k.weight();
        SDVariable y;
        if (groups == 1) {
            y = bias == null ? sd.cnn.conv2d(x.var(), w, cfg) : sd.cnn.conv2d(x.var(), w, bias.var(), cfg);
            boolean pointwise = kh == 1 && kw == 1 && stride[0] == 1 && stride[1] == 1 && padding[0] == 0
                    && padding[1] == 0;
            if (pointwise) {
                fusions.put(y.name(), new Fusion.Pointwise(x.var().name(), weight.var().name(),
                        bias == null ? null : bias.var().name()));
            }
        } else {
            long og = o / groups;
            SDVariable[] parts = new SDVariable[groups];
            for (int g = 0; g < groups; g++) {
                SDVariable xg = x.var().get(SDIndex.all(), SDIndex.interval(g * cin, (g + 1) * cin), SDIndex.all(), SDIndex.all());
                SDVariable wg = w.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.interval(g * og, (g + 1) * og));
                if (bias == null) {
                    parts[g] = sd.cnn.conv2d(xg, wg, cfg);
                } else {
                    parts[g] = sd.cnn.conv2d(xg, wg, bias.var().get(SDIndex.interval(g * og, (g + 1) * og)), cfg);
                }
            }
            y = sd.concat(1, parts);
        }
        countMacs(-x.dim(0) * hw[0] * hw[1] * o * cin * kh * kw);
        return new Tensor(y, new long[] {x.dim(0), o, hw[0], hw[1]});
    }

    /**
     * A {@code p x p} convolution with stride {@code p}, no padding and no groups (a ViT patch embedding) of NCHW
     * {@code x [B, C, H, W]} with a {@code [p, p, C, O]} weight and optional {@code [O]} bias, giving the tokens
     * {@code [B, (H/p)(W/p), O]} in row-major patch order: the same weights and results as {@link #conv2d}
     * followed by flattening its map to tokens.
     *
     * <p>Its patches do not overlap, so it runs as one matrix product of the patches, each a row of {@code C p p}
     * values, by the weight: a copy of the image into patch rows in place of the convolution's unfolding, and no
     * transpose of its output. Its backward is a product as well, and skips the image's gradient where nothing
     * reads it (libnd4j's {@code conv2d_bp} always computes it): for DeiT-Tiny at batch 8 the patch embedding
     * took 7.5-7.8 ms forward and 16.5-21.3 ms backward as a convolution (one thread).
     *
     * @throws IllegalArgumentException (a shape mismatch) if H or W is not a multiple of {@code p}, or the weight
     *     is not {@code [p, p, C, O]}
     */
    public Tensor patchConv2d(Tensor x, Tensor weight, Tensor bias, int p) {
        expectImages(x, "patch conv2d input [B, C, H, W]");
        long c = x.dim(1);
        if (weight.rank() != 4 || weight.dim(0) != p || weight.dim(1) != p) {
            throw mismatch("patch conv2d with " + p + "x" + p + " patches expects a weight [" + p + ", " + p
                    + ", I, O] but got " + weight.shapeString());
        }
        if (weight.dim(2) != c) {
            throw mismatch("patch conv2d with weight " + weight.shapeString() + " expects " + weight.dim(2)
                    + " input channels but got " + c + " (input " + x.shapeString() + ")");
        }
        if (x.dim(2) % p != 0 || x.dim(3) % p != 0) {
            throw mismatch("patch conv2d with " + p + "x" + p + " patches needs a height and width divisible by " + p
                    + " but got input " + x.shapeString());
        }
        long o = weight.dim(3);
        long hp = x.dim(2) / p;
        long wp = x.dim(3) / p;
        // two rank-4 transposes, each copying runs of p values: libnd4j's rank-6 permute doing both at once
        // measured about ten times slower (25 ms for DeiT-Tiny's batch of 8)
        Tensor rows = reshape(x, -1, p, wp, p); // [B, C, H, W] -> [B*C*H/p, p, W/p, p]
        Tensor cells = permute(rows, 0, 2, 1, 3); // -> [B*C*H/p, W/p, p, p]
        Tensor byChannel = reshape(cells, -1, c, hp * wp, p * p); // -> [B, C, N, p*p]
        Tensor patches = reshape(permute(byChannel, 0, 2, 1, 3), -1, c * p * p); // -> [B, N, C, p*p] -> [B*N, C*p*p]
        Tensor w = reshape(permute(weight, 2, 0, 1, 3), c * p * p, o); // [p, p, C, O] -> [C, p, p, O] -> [C*p*p, O]
        Tensor y = rowProduct(patches, w, bias, false, "patch conv2d"); // [B*N, O]
        return reshape(y, -1, hp * wp, o); // [B*N, O] -> [B, N, O]
    }

    /**
     * Dense 2-D convolution ({@code groups = 1}) of channels-last {@code x [B, H, W, C]} with a {@code [kH, kW, C, O]}
     * weight and optional {@code [O]} bias, giving {@code [B, H', W', O]}: same weights, padding and results as
     * {@link #conv2d} on the transposed input. In ND4J 1.0.0-M2.1 with oneDNN the channels-last form measured
     * faster at batch 8 (PaCa-ViT-Tiny's 3x3 stride-2 convolutions: 3 to 48 channels at 224x224 7.7 against
     * 27.8 ms, 192 to 320 at 28x28 17.5 against 31.9 ms, probe), and token grids need no transposes around it.
     */
    public Tensor conv2dChannelsLast(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                     int[] dilation) {
        expectImages(x, "channels-last conv2d input [B, H, W, C]");
        long kh = weight.dim(0);
        long kw = weight.dim(1);
        long cin = weight.dim(2);
        long o = weight.dim(3);
        if (x.dim(3) != cin) {
            throw mismatch("conv2d with weight [kH=" + kh + ", kW=" + kw + ", I=" + cin + ", O=" + o + "] expects "
                    + cin + " input channels but got " + x.dim(3) + " (channels-last input " + x.shapeString() + ")");
        }
        long[] hw = convOut(x.dim(1), x.dim(2), kh, kw, stride, padding, dilation);
        Kernel k = kernel(weight, dilation);
        Conv2DConfig cfg = convConfig(k.height(), k.width(), stride, padding, NO_DILATION, "NHWC");
        SDVariable y = bias == null ? sd.cnn.conv2d(x.var(), k.weight(), cfg)
                : sd.cnn.conv2d(x.var(), k.weight(), bias.var(), cfg);
        countMacs(-x.dim(0) * hw[0] * hw[1] * o * cin * kh * kw);
        return new Tensor(y, new long[] {x.dim(0), hw[0], hw[1], o});
    }

    /**
     * Depthwise convolution ({@code groups = C}) of NCHW {@code x} with a {@code [kH, kW, C, m]} weight, giving
     * {@code C*m} channels ordered as PyTorch's ({@code c*m + j}).
     */
    public Tensor depthwiseConv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation) {
        return depthwise(x, weight, bias, stride, padding, dilation, false);
    }

    /**
     * Depthwise convolution of channels-last {@code x [B, H, W, C]} with a {@code [kH, kW, C, m]} weight, giving
     * {@code [B, H', W', C*m]}: a transformer's tokens {@code [B, N, C]} viewed as a grid need no transposes around it.
     * Same weights, padding and results as {@link #depthwiseConv2d} on the transposed input; in ND4J 1.0.0-M2.1 with
     * oneDNN it measured 4-8x faster than the NCHW form at batch 8 (3x3 on 384 channels at 56x56: 12 ms against
     * 98 ms).
     */
    public Tensor depthwiseConv2dChannelsLast(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                              int[] dilation) {
        return depthwise(x, weight, bias, stride, padding, dilation, true);
    }

    private Tensor depthwise(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                             boolean channelsLast) {
        expectImages(x, channelsLast ? "channels-last depthwise conv2d input [B, H, W, C]"
                : "depthwise conv2d input [B, C, H, W]");
        int channelAxis = channelsLast ? 3 : 1;
        long c = x.dim(channelAxis);
        long kh = weight.dim(0);
        long kw = weight.dim(1);
        long mult = weight.dim(3);
        if (weight.dim(2) != c) {
            throw mismatch("depthwise conv2d with weight for " + weight.dim(2) + " channels got input " + x.shapeString()
                    + (channelsLast ? " (channels last)" : ""));
        }
        long[] hw = channelsLast ? convOut(x.dim(1), x.dim(2), kh, kw, stride, padding, dilation)
                : convOut(x, kh, kw, stride, padding, dilation);
        Kernel k = kernel(weight, dilation);
        Conv2DConfig cfg = convConfig(k.height(), k.width(), stride, padding, NO_DILATION,
                channelsLast ? "NHWC" : "NCHW");
        SDVariable y = bias == null ? sd.cnn.depthWiseConv2d(x.var(), k.weight(), cfg)
                : sd.cnn.depthWiseConv2d(x.var(), k.weight(), bias.var(), cfg);
        countMacs(-x.dim(0) * hw[0] * hw[1] * c * mult * kh * kw);
        long[] shape = channelsLast ? new long[] {x.dim(0), hw[0], hw[1], c * mult}
                : new long[] {x.dim(0), c * mult, hw[0], hw[1]};
        return new Tensor(y, shape);
    }

    /**
     * Checks that {@code x} is a batch of NCHW images whose leading dimension scales with the batch: {@code [B, C, H,
     * W]}, or {@code [B*k, C, H, W]} when each sample holds k small images (SWAT convolves every token as an image).
     */
    private void expectImages(Tensor x, String what) {
        if (x.rank() != 4 || x.dim(0) >= 0) {
            throw mismatch(what + ": expected shape [B, *, *, *] (or [B*k, *, *, *]) but got " + x.shapeString());
        }
    }

    /**
     * The input of a fused region (GELU, LayerNorm): in a training graph an identity of {@code x}, so that the
     * region's own ops are its only readers even when {@code x} feeds a residual too. The gradient of the identity's
     * output is then the region's whole contribution, which a backward fusion can write ({@code GradientFusions});
     * the plan executor runs an identity as a view.
     */
    private SDVariable regionInput(Tensor x) {
        return mode == Mode.TRAIN ? sd.identity(x.var()) : x.var();
    }

    private long[] convOut(Tensor x, long kh, long kw, int[] stride, int[] padding, int[] dilation) {
        return convOut(x.dim(2), x.dim(3), kh, kw, stride, padding, dilation);
    }

    private long[] convOut(long inH, long inW, long kh, long kw, int[] stride, int[] padding, int[] dilation) {
        long h = (inH + 2L * padding[0] - (long) dilation[0] * (kh - 1) - 1) / stride[0] + 1;
        long w = (inW + 2L * padding[1] - (long) dilation[1] * (kw - 1) - 1) / stride[1] + 1;
        if (h < 1 || w < 1) {
            throw mismatch("a " + kh + "x" + kw + " convolution (stride " + stride[0] + ", padding " + padding[0]
                    + ") cannot take a " + inH + "x" + inW + " input");
        }
        return new long[] {h, w};
    }

    private static final int[] NO_DILATION = {1, 1};

    /** The kernel a convolution runs with: its weight variable and extent. */
    private record Kernel(SDVariable weight, long height, long width) {
    }

    /**
     * The {@code [kH, kW, A, B]} weight of a convolution with {@code dilation}, as the undilated kernel it amounts to:
     * {@code d - 1} zeros between neighbouring taps, an extent of {@code d (k - 1) + 1}. ND4J 1.0.0-M2.1's oneDNN build
     * refuses every dilated float convolution ("could not create a descriptor for a dilated convolution forward
     * propagation primitive"), so the dilation is spelled out in the kernel. The convolution then does
     * {@code (extent / k)^2} times the multiply-adds of the dilated one (counted as the dilated one's); the zeros'
     * gradients are dropped by the slice and the padding's backward.
     */
    private Kernel kernel(Tensor weight, int[] dilation) {
        long kh = weight.dim(0);
        long kw = weight.dim(1);
        int dh = kh == 1 ? 1 : dilation[0]; // a single tap has no gaps
        int dw = kw == 1 ? 1 : dilation[1];
        if (dh == 1 && dw == 1) {
            return new Kernel(weight.var(), kh, kw);
        }
        long a = weight.dim(2);
        long b = weight.dim(3);
        SDVariable t = sd.reshape(weight.var(), kh, 1, kw, 1, a, b); // [kH, kW, A, B] -> [kH, 1, kW, 1, A, B]
        int[][] zeros = {{0, 0}, {0, dh - 1}, {0, 0}, {0, dw - 1}, {0, 0}, {0, 0}};
        t = sd.nn.pad(t, sd.constant(Nd4j.createFromArray(zeros)), 0.0); // -> [kH, dH, kW, dW, A, B]
        t = sd.reshape(t, kh * dh, kw * dw, a, b); // -> [kH*dH, kW*dW, A, B], each tap followed by its zeros
        long eh = dh * (kh - 1) + 1;
        long ew = dw * (kw - 1) + 1;
        t = t.get(SDIndex.interval(0L, eh), SDIndex.interval(0L, ew), SDIndex.all(), SDIndex.all()); // no zeros after
        return new Kernel(t, eh, ew);
    }

    private static Conv2DConfig convConfig(long kh, long kw, int[] stride, int[] padding, int[] dilation) {
        return convConfig(kh, kw, stride, padding, dilation, "NCHW");
    }

    private static Conv2DConfig convConfig(long kh, long kw, int[] stride, int[] padding, int[] dilation,
                                           String format) {
        return Conv2DConfig.builder().kH(kh).kW(kw).sH(stride[0]).sW(stride[1]).pH(padding[0]).pW(padding[1])
                .dH(dilation[0]).dW(dilation[1]).paddingMode(PaddingMode.VALID).dataFormat(format).build();
    }

    // ------------------------------------------------------------------ normalisation

    /**
     * LayerNorm over {@code axis} with epsilon {@code eps} (PyTorch {@code nn.LayerNorm} for the last axis;
     * axis 1 of NCHW for the channels-first LayerNorm2d), written out because SameDiff's layerNorm ignores
     * epsilon. {@code weight}/{@code bias} are {@code [C]} and may be null.
     */
    public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, int axis) {
        int a = axis(x, axis);
        long c = x.dim(a);
        SDVariable in = regionInput(x);
        SDVariable mean = in.mean(true, a);
        SDVariable centred = in.sub(mean);
        // centred * centred, not square(centred): the same values, and its gradient avoids square's slow pow
        // derivative (the LayerNorm's forward+backward measured 16-21% faster in ND4J 1.0.0-M2.1)
        SDVariable var = centred.mul(centred).mean(true, a);
        SDVariable y = centred.mul(sd.math.rsqrt(var.add(eps)));
        long[] bshape = new long[x.rank() - a];
        Arrays.fill(bshape, 1L);
        bshape[0] = c;
        if (weight != null) {
            checkVector(weight, c, "LayerNorm weight");
            y = y.mul(a == x.rank() - 1 ? weight.var() : weight.var().reshape(bshape));
        }
        if (bias != null) {
            checkVector(bias, c, "LayerNorm bias");
            y = y.add(a == x.rank() - 1 ? bias.var() : bias.var().reshape(bshape));
        }
        fusions.put(y.name(), new Fusion.LayerNorm(in.name(), weight == null ? null : weight.var().name(),
                bias == null ? null : bias.var().name(), eps, a));
        return new Tensor(y, x.shape());
    }

    /**
     * BatchNorm over axis 1 of NCHW with PyTorch semantics. In an eval graph it uses the running statistics;
     * in a training graph batch statistics in training executions and running statistics otherwise, and it
     * registers a {@link BatchStat} so the training step updates the running statistics.
     */
    public Tensor batchNorm2d(Tensor x, Tensor weight, Tensor bias, String runningMeanKey, String runningVarKey,
                              double eps, double momentum) {
        expectShape(x, "BatchNorm2d input [B, C, H, W]", -1, ANY, ANY, ANY);
        long c = x.dim(1);
        Tensor rm = param(runningMeanKey);
        Tensor rv = param(runningVarKey);
        checkVector(rm, c, "BatchNorm running_mean");
        SDVariable mean = rm.var();
        SDVariable var = rv.var();
        if (mode == Mode.TRAIN) {
            String base = runningMeanKey.substring(0, runningMeanKey.lastIndexOf('.') + 1);
            String bm = base + "batch_mean";
            String bv = base + "batch_var";
            SDVariable[] m = sd.math.moments(new String[] {bm, bv}, x.var(), new int[] {0, 2, 3}, false);
            SDVariable p = phase();
            SDVariable q = p.rsub(1.0);
            mean = m[0].mul(p).add(mean.mul(q));
            var = m[1].mul(p).add(var.mul(q));
            batchStats.add(new BatchStat(runningMeanKey, runningVarKey, bm, bv, x.dim(2) * x.dim(3), momentum));
        }
        SDVariable scale = sd.math.rsqrt(var.add(eps));
        if (weight != null) {
            checkVector(weight, c, "BatchNorm weight");
            scale = scale.mul(weight.var());
        }
        SDVariable shift = mean.neg().mul(scale);
        if (bias != null) {
            shift = shift.add(bias.var());
        }
        SDVariable y = x.var().mul(scale.reshape(1, c, 1, 1)).add(shift.reshape(1, c, 1, 1));
        return new Tensor(y, x.shape());
    }

    private void checkVector(Tensor t, long n, String what) {
        if (t.rank() != 1 || t.dim(0) != n) {
            throw mismatch(what + " must be [" + n + "], got " + t.shapeString());
        }
    }

    // ------------------------------------------------------------------ regularisation

    /** Inverted dropout with drop probability {@code p}, active only in training executions. */
    public Tensor dropout(Tensor x, double p) {
        return dropMask(x, p, false);
    }

    /**
     * DropPath (stochastic depth): drops whole samples of the residual branch {@code x} with probability
     * {@code p} and scales kept ones by {@code 1/(1-p)}, active only in training executions.
     */
    public Tensor dropPath(Tensor x, double p) {
        return dropMask(x, p, true);
    }

    private Tensor dropMask(Tensor x, double p, boolean perSample) {
        if (p < 0 || p >= 1) {
            throw new IllegalArgumentException("drop probability must be in [0, 1), got " + p);
        }
        if (p == 0 || mode == Mode.EVAL) {
            return x;
        }
        double keep = 1 - p;
        SDVariable mask = masks.mask(sd, x, perSample, keep);
        SDVariable ph = phase();
        // training: mask / keep; otherwise: 1
        SDVariable factor = mask.mul(ph.mul(1.0 / keep)).add(ph.rsub(1.0));
        return new Tensor(x.var().mul(factor), x.shape());
    }

    // ------------------------------------------------------------------ pooling and resizing

    /**
     * Average pooling of NCHW as PyTorch's {@code AvgPool2d(k, s, p, count_include_pad)} (floor mode).
     */
    public Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean countIncludePad) {
        return pool(x, kernel, stride, padding, true, countIncludePad);
    }

    /** Max pooling of NCHW as PyTorch's {@code MaxPool2d(k, s, p)} (floor mode). */
    public Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        return pool(x, kernel, stride, padding, false, false);
    }

    private Tensor pool(Tensor x, int[] k, int[] s, int[] p, boolean avg, boolean includePad) {
        expectShape(x, "pooling input [B, C, H, W]", -1, ANY, ANY, ANY);
        long[] hw = convOut(x, k[0], k[1], s, p, new int[] {1, 1});
        SDVariable in = x.var();
        int[] pad = p;
        if (avg && includePad && (p[0] > 0 || p[1] > 0)) {
            // ND4J 1.0.0-M2.1's avg pooling ignores Divisor.INCLUDE_PADDING: it always divides by the real cells
            // (PyTorch's count_include_pad=False), so border cells of PyTorch's default count_include_pad=True
            // came out too large. Pad with zeros explicitly and pool without padding instead; in floor mode a
            // window never leaves the padded input, so every divisor is kH*kW, as in PyTorch.
            int[][] pp = {{0, 0}, {0, 0}, {p[0], p[0]}, {p[1], p[1]}};
            in = sd.nn.pad(in, sd.constant(Nd4j.createFromArray(pp)), 0.0);
            pad = new int[] {0, 0};
        }
        Pooling2DConfig cfg = Pooling2DConfig.builder().kH(k[0]).kW(k[1]).sH(s[0]).sW(s[1]).pH(pad[0]).pW(pad[1])
                .dH(1).dW(1).paddingMode(PaddingMode.VALID).isNHWC(false)
                .divisor(includePad ? Pooling2D.Divisor.INCLUDE_PADDING : Pooling2D.Divisor.EXCLUDE_PADDING)
                .build();
        SDVariable y = avg ? sd.cnn.avgPooling2d(in, cfg) : sd.cnn.maxPooling2d(in, cfg);
        return new Tensor(y, new long[] {-1, x.dim(1), hw[0], hw[1]});
    }

    /**
     * PyTorch's {@code adaptive_avg_pool2d}: output cell i averages input rows {@code floor(i*H/oh)} to
     * {@code ceil((i+1)*H/oh)}; windows may overlap (14 to 8). Exact divisions use average pooling, the rest
     * a product with constant averaging matrices.
     */
    public Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        expectShape(x, "adaptive pooling input [B, C, H, W]", -1, ANY, ANY, ANY);
        long h = x.dim(2);
        long w = x.dim(3);
        if (h % outH == 0 && w % outW == 0) {
            int kh = (int) (h / outH);
            int kw = (int) (w / outW);
            return pool(x, new int[] {kh, kw}, new int[] {kh, kw}, new int[] {0, 0}, true, false);
        }
        return separable(x, Resampling.adaptiveAverage(h, outH), Resampling.adaptiveAverage(w, outW));
    }

    /**
     * Bilinear resize of NCHW as PyTorch's {@code F.interpolate(mode="bilinear", align_corners=False)} to
     * {@code outH x outW}.
     */
    public Tensor resizeBilinear(Tensor x, int outH, int outW) {
        expectShape(x, "bilinear resize input [B, C, H, W]", -1, ANY, ANY, ANY);
        return separable(x, Resampling.bilinear(x.dim(2), outH), Resampling.bilinear(x.dim(3), outW));
    }

    /** {@code y[b,c] = Mh · x[b,c] · Mwᵀ} with constant matrices {@code Mh [oh, H]}, {@code Mw [ow, W]}. */
    private Tensor separable(Tensor x, double[][] mh, double[][] mw) {
        long c = x.dim(1);
        long h = x.dim(2);
        long w = x.dim(3);
        int oh = mh.length;
        int ow = mw.length;
        SDVariable mwT = sd.constant(Nd4j.createFromArray(mw).castTo(dataType).transpose().dup()); // [W, ow]
        SDVariable mhT = sd.constant(Nd4j.createFromArray(mh).castTo(dataType).transpose().dup()); // [H, oh]
        SDVariable t = sd.mmul(x.var().reshape(-1, w), mwT); // [B*C*H, ow]
        t = t.reshape(-1, h, ow).permute(0, 2, 1); // [B*C, ow, H]
        t = sd.mmul(t.reshape(-1, h), mhT); // [B*C*ow, oh]
        t = t.reshape(-1, c, ow, oh).permute(0, 1, 3, 2); // [B, C, oh, ow]
        return new Tensor(t, new long[] {-1, c, oh, ow});
    }

    // ------------------------------------------------------------------ losses

    /**
     * Mean cross-entropy against soft targets, {@code -mean_b sum_k y[b,k] log softmax(z)[b,k]}, written by
     * hand because SameDiff's loss ops ignore the upstream gradient.
     */
    public Tensor softTargetCrossEntropy(Tensor logits, Tensor targets) {
        if (!Arrays.equals(logits.shape(), targets.shape()) || logits.rank() != 2) {
            throw mismatch("cross-entropy of logits " + logits.shapeString() + " and targets " + targets.shapeString());
        }
        SDVariable l = sd.nn.logSoftmax(logits.var()).mul(targets.var()).sum(1).mean().neg();
        return new Tensor(l, new long[0]);
    }

    // ------------------------------------------------------------------ helpers

    private int axis(Tensor x, int axis) {
        int a = axis < 0 ? x.rank() + axis : axis;
        if (a < 0 || a >= x.rank()) {
            throw mismatch("axis " + axis + " out of range for " + x.shapeString());
        }
        return a;
    }
}
