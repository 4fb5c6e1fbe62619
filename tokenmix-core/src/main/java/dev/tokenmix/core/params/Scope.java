package dev.tokenmix.core.params;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where a module registers its parameters: a store and a dotted key prefix. {@code scope.child("attn")}
 * descends one level, so module fields mirror PyTorch attribute names and the keys come out equal to the
 * official state_dict keys.
 */
public final class Scope {
    private final ParameterStore store;
    private final String prefix;
    private final long seed;

    private Scope(ParameterStore store, String prefix, long seed) {
        this.store = store;
        this.prefix = prefix;
        this.seed = seed;
    }

    /** The root scope of a model; {@code seed} makes initialisation repeatable. */
    public static Scope root(ParameterStore store, long seed) {
        return new Scope(store, "", seed);
    }

    public ParameterStore store() {
        return store;
    }

    /** The key prefix, empty at the root. */
    public String prefix() {
        return prefix;
    }

    public long seed() {
        return seed;
    }

    public Scope child(String name) {
        return new Scope(store, key(name), seed);
    }

    public Scope child(int index) {
        return child(Integer.toString(index));
    }

    /** The full key of a local name. */
    public String key(String local) {
        return prefix.isEmpty() ? local : prefix + "." + local;
    }

    /** A trainable tensor stored in PyTorch layout. */
    public String parameter(String local, Init init, long... torchShape) {
        return register(local, init, Param.Kind.PARAMETER, Layout.TORCH, torchShape);
    }

    /** A buffer (not trained, but saved with the model), stored in PyTorch layout. */
    public String buffer(String local, Init init, long... torchShape) {
        return register(local, init, Param.Kind.BUFFER, Layout.TORCH, torchShape);
    }

    /** A trainable tensor in a non-PyTorch layout ({@link Layout}); {@code torchShape} is PyTorch's shape. */
    public String parameter(String local, Init init, Layout layout, long... torchShape) {
        return register(local, init, Param.Kind.PARAMETER, layout, torchShape);
    }

    /**
     * A trainable tensor in a layout whose stored shape the PyTorch shape does not determine
     * ({@link Layout#DEPTHWISE_YXCM}: {@code [kH, kW, C, m]} for PyTorch's {@code [C*m, 1, kH, kW]}).
     */
    public String parameter(String local, Init init, Layout layout, long[] storedShape, long[] torchShape) {
        return register(local, init, Param.Kind.PARAMETER, layout, storedShape, torchShape);
    }

    private String register(String local, Init init, Param.Kind kind, Layout layout, long[] torchShape) {
        return register(local, init, kind, layout, null, torchShape);
    }

    private String register(String local, Init init, Param.Kind kind, Layout layout, long[] storedShape,
                            long[] torchShape) {
        String key = key(local);
        long n = 1;
        for (long d : torchShape) {
            n *= d;
        }
        double[] values = new double[Math.toIntExact(n)];
        init.fill(values, torchShape, randomFor(key));
        INDArray flat = Nd4j.createFromArray(values).castTo(store.dataType());
        INDArray torch = torchShape.length == 0 ? flat.reshape() : flat.reshape('c', torchShape);
        INDArray stored = storedShape == null ? layout.fromTorch(torch) : layout.fromTorch(torch, storedShape);
        store.add(key, stored, kind, layout, torchShape);
        return key;
    }

    private SplittableRandom randomFor(String key) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + crc.getValue());
    }
}
