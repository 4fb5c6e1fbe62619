package dev.tokenmix.core.params;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Predicate;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The parameters and buffers of one model, keyed by the official PyTorch state_dict keys in registration
 * order. Graphs built for different resolutions and modes all read the same arrays, so an update made
 * in place by an optimizer or a checkpoint load is seen by every graph.
 */
public final class ParameterStore {
    private final DataType dataType;
    private final Map<String, Param> entries = new LinkedHashMap<>();

    public ParameterStore(DataType dataType) {
        if (!dataType.isFPType()) {
            throw new IllegalArgumentException("parameters must be floating point, got " + dataType);
        }
        this.dataType = dataType;
    }

    public DataType dataType() {
        return dataType;
    }

    /** Registers a new entry; keys are unique. */
    public Param add(String key, INDArray array, Param.Kind kind, Layout layout, long[] torchShape) {
        if (entries.containsKey(key)) {
            throw new IllegalStateException("duplicate parameter key '" + key + "'");
        }
        Param p = new Param(key, array.castTo(dataType), kind, layout, torchShape);
        entries.put(key, p);
        return p;
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    public Param get(String key) {
        Param p = entries.get(key);
        if (p == null) {
            throw new NoSuchElementException("no parameter '" + key + "'");
        }
        return p;
    }

    public INDArray array(String key) {
        return get(key).array();
    }

    /** All entries in registration order (the state_dict order). */
    public List<Param> entries() {
        return Collections.unmodifiableList(new ArrayList<>(entries.values()));
    }

    /** Trainable parameters in registration order. */
    public List<Param> parameters() {
        return filter(Param::trainable);
    }

    /** Buffers (running statistics and fixed filters) in registration order. */
    public List<Param> buffers() {
        return filter(p -> !p.trainable());
    }

    /** The exact number of trainable elements, equal to PyTorch's {@code sum(p.numel() for p in parameters())}. */
    public long parameterCount() {
        long n = 0;
        for (Param p : entries.values()) {
            if (p.trainable()) {
                n += p.numel();
            }
        }
        return n;
    }

    /** Trainable elements whose key starts with {@code prefix + "."} (or equals it). */
    public long parameterCount(String prefix) {
        long n = 0;
        for (Param p : entries.values()) {
            if (p.trainable() && (prefix.isEmpty() || p.key().equals(prefix) || p.key().startsWith(prefix + "."))) {
                n += p.numel();
            }
        }
        return n;
    }

    /** Removes every entry under {@code prefix} (used when a classifier is replaced). */
    public void removePrefix(String prefix) {
        entries.keySet().removeIf(k -> k.equals(prefix) || k.startsWith(prefix + "."));
    }

    private List<Param> filter(Predicate<Param> p) {
        List<Param> out = new ArrayList<>();
        for (Param e : entries.values()) {
            if (p.test(e)) {
                out.add(e);
            }
        }
        return out;
    }
}
