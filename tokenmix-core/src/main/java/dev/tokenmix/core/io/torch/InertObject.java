package dev.tokenmix.core.io.torch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A known-harmless Python object found in a checkpoint, kept as data: its class name, the arguments it was built
 * with and the state the pickle gave it. Nothing of the class's Python code exists on the Java side, so holding one
 * cannot run anything.
 *
 * <p>{@link TorchCheckpoint} produces these for the classes of its allowlist that have no closer Java type:
 * {@code argparse.Namespace} and {@code types.SimpleNamespace} (training arguments; {@link #fields()} holds them),
 * {@code torch.device} ({@link #args()} holds {@code "cuda", 0}), dtypes such as {@code torch.float16} and
 * {@code numpy.dtype}, storage classes and numpy scalars of types with no Java number. Containers, numbers,
 * strings, tensors and numeric numpy arrays are returned as plain Java values instead.
 */
public final class InertObject {
    private final String className;
    private final List<Object> args;
    private Object state;

    /**
     * @param className the Python class or value name, {@code module.Name}
     * @param args the arguments of its construction, in order (empty if none)
     * @param state the state set after construction (a dict of attributes for most classes), or null
     */
    public InertObject(String className, List<Object> args, Object state) {
        this.className = Objects.requireNonNull(className, "className");
        this.args = new ArrayList<>(args);
        this.state = state;
    }

    /** The Python name, {@code argparse.Namespace}, {@code torch.device}, {@code torch.float16}. */
    public String className() {
        return className;
    }

    /** The construction arguments, in order; empty when there were none. */
    public List<Object> args() {
        return Collections.unmodifiableList(args);
    }

    /** The mutable argument list, for the reader's replacement of lazy tensors. */
    List<Object> rawArgs() {
        return args;
    }

    /** The state the pickle set (usually a {@code Map} of attributes), or null. */
    public Object state() {
        return state;
    }

    /**
     * The object's attributes by name: the state when it is a dict, or the dict half of a {@code (dict, slots)}
     * state; an empty map otherwise. For an {@code argparse.Namespace} these are the training arguments.
     */
    public Map<String, Object> fields() {
        Object s = state;
        if (s instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Map<?, ?>) {
            s = l.get(0);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (s instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(String.valueOf(e.getKey()), e.getValue());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** One attribute of {@link #fields()}, or null when absent. */
    public Object field(String name) {
        return fields().get(name);
    }

    void setState(Object state) {
        this.state = state;
    }

    /**
     * The class name, the arguments when they are plain strings, numbers or booleans, and the attribute names;
     * other values are left out (they may be large or cyclic).
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(className).append('(');
        boolean simple = args.stream().allMatch(a -> a instanceof String || a instanceof Number || a instanceof Boolean);
        if (simple) {
            for (int i = 0; i < args.size(); i++) {
                Object a = args.get(i);
                sb.append(i == 0 ? "" : ", ").append(a instanceof String ? "'" + a + "'" : String.valueOf(a));
            }
        } else {
            sb.append(args.size()).append(args.size() == 1 ? " arg" : " args");
        }
        Map<String, Object> f = fields();
        if (!f.isEmpty()) {
            sb.append(args.isEmpty() ? "" : "; ").append(String.join(", ", f.keySet()));
        }
        return sb.append(')').toString();
    }
}
