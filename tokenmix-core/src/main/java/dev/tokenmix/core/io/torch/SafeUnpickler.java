package dev.tokenmix.core.io.torch;

import dev.tokenmix.core.io.torch.Allowlist.Global;
import dev.tokenmix.core.io.torch.Allowlist.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

/**
 * The pickle machine of {@link TorchCheckpoint}: razorvine's {@link Unpickler} with every opcode that names, calls,
 * constructs or sets the state of an object replaced, so that only the {@link Allowlist} can be reached.
 *
 * <p>razorvine resolves globals through a static registry shared by all unpicklers ({@code registerConstructor})
 * and, for unknown names, builds dictionaries of any class; neither is used here. The per-instance hook is
 * {@link #dispatch(short)}: {@code GLOBAL}, {@code STACK_GLOBAL} and {@code INST} resolve names against the
 * allowlist and refuse every other name at once; {@code REDUCE}, {@code NEWOBJ}, {@code NEWOBJ_EX}, {@code OBJ} and
 * {@code BUILD} accept only allowlisted globals and the reader's own objects; extension codes and out-of-band
 * buffers are refused. The opcodes that carry a length check it against the bytes left before allocating, dicts
 * keep their insertion order, tuples become {@link PyTuple}, Python ints become Long (BigInteger past 64 bits).
 * The simple stack and memo opcodes (MARK, POP, DUP, GET, PUT, NONE, floats, booleans, STOP) are razorvine's.
 */
final class SafeUnpickler extends Unpickler {
    /** Longest decimal or two's complement integer accepted, against quadratic parsing of huge numbers. */
    private static final int MAX_INT_CHARS = 4096;
    /** Longest GLOBAL or INST line. */
    private static final int MAX_NAME_CHARS = 1024;

    /** Supplies the storage a persistent id names: the zip entry or the legacy section that holds its bytes. */
    interface Storages {
        /**
         * @param viewMetadata null, or the legacy {@code (view_key, offset, size)} of a storage view
         */
        StorageRef storage(String key, TorchDtype dtype, long numel, PyTuple viewMetadata);
    }

    private final String file;
    private final Storages storages;
    private PickleInput in;

    SafeUnpickler(String file, Storages storages) {
        this.file = file;
        this.storages = storages;
    }

    /** Reads one pickle, up to and including its STOP. */
    Object read(PickleInput input) throws IOException {
        this.in = input;
        memo = new HashMap<>();
        try {
            return load(input);
        } catch (IndexOutOfBoundsException e) {
            throw new CheckpointProblem("malformed pickle: an opcode at byte " + input.position() + " takes more items"
                    + " than the stack holds");
        } catch (PickleException e) {
            throw new CheckpointProblem("malformed pickle: " + e.getMessage() + " at byte " + input.position());
        } catch (IOException e) {
            if (input.remaining() == 0) {
                throw new CheckpointProblem("the pickle ends before its STOP opcode; the file is truncated");
            }
            throw e;
        }
    }

    @Override
    protected Object dispatch(short key) throws IOException {
        switch (key) {
            case Opcodes.GLOBAL -> stack.add(global(line(MAX_NAME_CHARS), line(MAX_NAME_CHARS)));
            case Opcodes.STACK_GLOBAL -> {
                Object name = stack.pop();
                Object module = stack.pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw new CheckpointProblem("malformed pickle: STACK_GLOBAL with a module or name that is not a"
                            + " string");
                }
                stack.add(global(m, n));
            }
            case Opcodes.INST -> {
                Global g = global(line(MAX_NAME_CHARS), line(MAX_NAME_CHARS));
                stack.add(construct(g, PyTuple.of(stack.pop_all_since_marker()), "INST"));
            }
            case Opcodes.OBJ -> {
                List<Object> items = stack.pop_all_since_marker();
                if (items.isEmpty()) {
                    throw new CheckpointProblem("malformed pickle: OBJ without a class");
                }
                stack.add(construct(items.get(0), PyTuple.of(items.subList(1, items.size())), "OBJ"));
            }
            case Opcodes.NEWOBJ -> {
                Object args = stack.pop();
                Object cls = stack.pop();
                stack.add(construct(cls, tuple(args, "NEWOBJ"), "NEWOBJ"));
            }
            case Opcodes.NEWOBJ_EX -> {
                Object kwargs = stack.pop();
                Object args = stack.pop();
                Object cls = stack.pop();
                Object obj = construct(cls, tuple(args, "NEWOBJ_EX"), "NEWOBJ_EX");
                if (kwargs instanceof Map<?, ?> kw && !kw.isEmpty()) {
                    if (!(obj instanceof InertObject io)) {
                        throw new CheckpointProblem("malformed pickle: NEWOBJ_EX with keyword arguments for " + cls);
                    }
                    io.setState(new LinkedHashMap<>(kw));
                }
                stack.add(obj);
            }
            case Opcodes.REDUCE -> {
                Object args = stack.pop();
                Object f = stack.pop();
                stack.add(call(f, tuple(args, "REDUCE")));
            }
            case Opcodes.BUILD -> {
                Object state = stack.pop();
                build(stack.peek(), state);
            }
            case Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 -> {
                long code = key == Opcodes.EXT1 ? u8() : key == Opcodes.EXT2 ? u16() : i32();
                throw new UnsafePickleException("refusing to load " + file + ": the pickle uses extension code " + code
                        + " (the copyreg registry of the writing process), which a checkpoint never needs",
                        "extension code " + code);
            }
            case Opcodes.PERSID -> throw new CheckpointProblem("malformed pickle: a text persistent id (PERSID),"
                    + " which torch never writes");
            case Opcodes.BINPERSID -> stack.add(persistent(stack.pop()));
            case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<Object, Object>());
            case Opcodes.DICT -> {
                List<Object> items = stack.pop_all_since_marker();
                Map<Object, Object> d = new LinkedHashMap<>();
                putPairs(d, items);
                stack.add(d);
            }
            case Opcodes.SETITEM -> {
                Object v = stack.pop();
                Object k = stack.pop();
                map(stack.peek()).put(k, v);
            }
            case Opcodes.SETITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                putPairs(map(stack.peek()), items);
            }
            case Opcodes.EMPTY_TUPLE -> stack.add(PyTuple.EMPTY);
            case Opcodes.TUPLE -> stack.add(PyTuple.of(stack.pop_all_since_marker()));
            case Opcodes.TUPLE1 -> stack.add(new PyTuple(new Object[] {stack.pop()}));
            case Opcodes.TUPLE2 -> {
                Object b = stack.pop();
                Object a = stack.pop();
                stack.add(new PyTuple(new Object[] {a, b}));
            }
            case Opcodes.TUPLE3 -> {
                Object c = stack.pop();
                Object b = stack.pop();
                Object a = stack.pop();
                stack.add(new PyTuple(new Object[] {a, b, c}));
            }
            case Opcodes.EMPTY_LIST -> stack.add(new ArrayList<>());
            case Opcodes.LIST -> stack.add(new ArrayList<>(stack.pop_all_since_marker()));
            case Opcodes.APPEND -> {
                Object v = stack.pop();
                list(stack.peek()).add(v);
            }
            case Opcodes.APPENDS -> {
                List<Object> items = stack.pop_all_since_marker();
                list(stack.peek()).addAll(items);
            }
            case Opcodes.EMPTY_SET -> stack.add(new LinkedHashSet<>());
            case Opcodes.FROZENSET -> stack.add(new LinkedHashSet<>(stack.pop_all_since_marker()));
            case Opcodes.ADDITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                if (!(stack.peek() instanceof Set<?>)) {
                    throw new CheckpointProblem("malformed pickle: ADDITEMS on a " + typeName(stack.peek()));
                }
                @SuppressWarnings("unchecked")
                Set<Object> s = (Set<Object>) stack.peek();
                s.addAll(items);
            }
            case Opcodes.BININT -> stack.add((long) i32());
            case Opcodes.BININT1 -> stack.add((long) u8());
            case Opcodes.BININT2 -> stack.add((long) u16());
            case Opcodes.INT -> {
                String s = line(MAX_INT_CHARS);
                stack.add(s.equals("00") ? Boolean.FALSE : s.equals("01") ? Boolean.TRUE : integer(s));
            }
            case Opcodes.LONG -> {
                String s = line(MAX_INT_CHARS);
                stack.add(integer(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
            }
            case Opcodes.LONG1 -> stack.add(twosComplement(bytes(u8(), "LONG1")));
            case Opcodes.LONG4 -> {
                long n = i32();
                if (n < 0 || n > MAX_INT_CHARS) {
                    throw new CheckpointProblem("malformed pickle: an integer of " + n + " bytes");
                }
                stack.add(twosComplement(bytes(n, "LONG4")));
            }
            case Opcodes.BINUNICODE -> stack.add(utf8(bytes(u32(), "string")));
            case Opcodes.SHORT_BINUNICODE -> stack.add(utf8(bytes(u8(), "string")));
            case Opcodes.BINUNICODE8 -> stack.add(utf8(bytes(u64(), "string")));
            case Opcodes.BINBYTES -> stack.add(bytes(u32(), "bytes"));
            case Opcodes.SHORT_BINBYTES -> stack.add(bytes(u8(), "bytes"));
            case Opcodes.BINBYTES8, Opcodes.BYTEARRAY8 -> stack.add(bytes(u64(), "bytes"));
            case Opcodes.BINSTRING -> stack.add(latin1(bytes(i32(), "string")));
            case Opcodes.SHORT_BINSTRING -> stack.add(latin1(bytes(u8(), "string")));
            case Opcodes.NEXT_BUFFER, Opcodes.READONLY_BUFFER -> throw new CheckpointProblem("malformed pickle:"
                    + " out-of-band buffers (pickle protocol 5), which a file cannot carry");
            case Opcodes.FRAME -> in.require(u64(), "pickle frame");
            case Opcodes.PROTO -> {
                int p = u8();
                if (p > 5) {
                    throw new CheckpointProblem("pickle protocol " + p + " is newer than 5, the highest known");
                }
            }
            default -> {
                return super.dispatch(key);
            }
        }
        return NO_RETURN_VALUE;
    }

    // ---------------------------------------------------------------------------------------------- globals

    private Global global(String writtenModule, String name) {
        if (!isDottedName(writtenModule) || !isDottedName(name)) {
            throw new CheckpointProblem("malformed pickle: a global named '" + Allowlist.printable(writtenModule)
                    + "." + Allowlist.printable(name) + "', which is not a Python name");
        }
        String module = Allowlist.python3Module(writtenModule);
        Global g = Allowlist.resolve(module, name);
        if (g != null) {
            return g;
        }
        String q = module + "." + name;
        String[] unsupported = Allowlist.unsupported(q);
        if (unsupported != null) {
            throw new CheckpointProblem("the pickle holds " + unsupported[0] + " (" + q + "), which is not supported; "
                    + unsupported[1]);
        }
        throw new UnsafePickleException(Allowlist.refusal(file, q), q);
    }

    /** Python identifiers joined by dots, as module names and (protocol 4) qualified names are. */
    private static boolean isDottedName(String s) {
        boolean start = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (start) {
                    return false;
                }
                start = true;
            } else if (start ? Character.isLetter(c) || c == '_' : Character.isLetterOrDigit(c) || c == '_') {
                start = false;
            } else {
                return false;
            }
        }
        return !start;
    }

    /** REDUCE: calls an allowed function with positional arguments. */
    private Object call(Object f, PyTuple a) {
        if (!(f instanceof Global g)) {
            String what = "REDUCE on a " + typeName(f);
            throw new UnsafePickleException("refusing to load " + file + ": the pickle calls a " + typeName(f)
                    + " value (" + what + "), which is not an allowed function", what);
        }
        switch (g.kind) {
            case REBUILD_TENSOR -> {
                arity(g, a, 4, 4);
                return tensor(a.get(0), a.get(1), a.get(2), a.get(3));
            }
            case REBUILD_TENSOR_V2 -> {
                arity(g, a, 6, 7);
                return tensor(a.get(0), a.get(1), a.get(2), a.get(3));
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                arity(g, a, g.kind == Kind.REBUILD_PARAMETER ? 3 : 4, g.kind == Kind.REBUILD_PARAMETER ? 3 : 4);
                if (!(a.get(0) instanceof TensorRef)) {
                    throw new CheckpointProblem("malformed pickle: " + g + " of a " + typeName(a.get(0)));
                }
                return a.get(0);
            }
            case REBUILD_FROM_TYPE -> {
                arity(g, a, 4, 4);
                if (!(a.get(0) instanceof Global fn) || !(fn.kind == Kind.REBUILD_TENSOR
                        || fn.kind == Kind.REBUILD_TENSOR_V2 || fn.kind == Kind.REBUILD_PARAMETER
                        || fn.kind == Kind.REBUILD_PARAMETER_WITH_STATE)) {
                    throw new CheckpointProblem("malformed pickle: " + g + " with a function that is not a tensor"
                            + " rebuild");
                }
                if (!(a.get(1) instanceof Global t) || t.kind != Kind.TENSOR_CLASS) {
                    throw new CheckpointProblem("malformed pickle: " + g + " with a type that is not a tensor class");
                }
                return call(fn, tuple(a.get(2), String.valueOf(g)));
            }
            case ORDERED_DICT -> {
                arity(g, a, 0, 1);
                Map<Object, Object> d = new LinkedHashMap<>();
                if (a.size() == 1) {
                    if (a.get(0) instanceof Map<?, ?> m) {
                        d.putAll(m);
                    } else if (a.get(0) instanceof List<?> pairs) {
                        for (Object p : pairs) {
                            if (!(p instanceof List<?> kv) || kv.size() != 2) {
                                throw new CheckpointProblem("malformed pickle: OrderedDict of a list that is not"
                                        + " of pairs");
                            }
                            d.put(kv.get(0), kv.get(1));
                        }
                    } else {
                        throw new CheckpointProblem("malformed pickle: OrderedDict of a " + typeName(a.get(0)));
                    }
                }
                return d;
            }
            case TORCH_SIZE -> {
                arity(g, a, 1, 1);
                long[] dims = longs(a.get(0), "torch.Size");
                Object[] boxed = new Object[dims.length];
                for (int i = 0; i < dims.length; i++) {
                    boxed[i] = dims[i];
                }
                return new PyTuple(boxed);
            }
            case TORCH_DEVICE -> {
                arity(g, a, 1, 2);
                return new InertObject(g.name, a, null);
            }
            case SET -> {
                arity(g, a, 0, 1);
                Set<Object> s = new LinkedHashSet<>();
                if (a.size() == 1) {
                    if (a.get(0) instanceof Collection<?> c) {
                        s.addAll(c);
                    } else {
                        throw new CheckpointProblem("malformed pickle: " + g + " of a " + typeName(a.get(0)));
                    }
                }
                return s;
            }
            case BYTES -> {
                return bytesOf(g, a);
            }
            case RECONSTRUCTOR -> {
                arity(g, a, 2, 3);
                if (!(a.get(1) instanceof Global base) || base.kind != Kind.OBJECT
                        || (a.size() == 3 && a.get(2) != null)) {
                    throw new CheckpointProblem("malformed pickle: " + g + " with a base other than object");
                }
                return construct(a.get(0), PyTuple.EMPTY, "copyreg._reconstructor");
            }
            case NAMESPACE, PATH -> {
                return construct(g, a, "REDUCE");
            }
            case NUMPY_SCALAR -> {
                arity(g, a, 1, 2);
                if (!(a.get(0) instanceof Numpy.Dtype d)) {
                    throw new CheckpointProblem("malformed pickle: numpy scalar without a dtype");
                }
                if (a.size() == 2 && a.get(1) instanceof byte[] b) {
                    return Numpy.scalar(d, b);
                }
                return new InertObject(g.name, List.of(d.toInert()), a.size() == 2 ? a.get(1) : null);
            }
            case NUMPY_DTYPE -> {
                arity(g, a, 1, 3);
                if (!(a.get(0) instanceof String descr)) {
                    throw new CheckpointProblem("malformed pickle: numpy.dtype of a " + typeName(a.get(0)));
                }
                return new Numpy.Dtype(descr);
            }
            case NUMPY_RECONSTRUCT -> {
                arity(g, a, 3, 3);
                if (!(a.get(0) instanceof Global cls) || cls.kind != Kind.NUMPY_NDARRAY) {
                    throw new CheckpointProblem("the pickle holds a numpy array subclass (" + a.get(0)
                            + "), which is not supported");
                }
                return new Numpy.Array();
            }
            case NUMPY_FROMBUFFER -> {
                arity(g, a, 4, 4);
                if (!(a.get(0) instanceof byte[] data) || !(a.get(1) instanceof Numpy.Dtype d)
                        || !(a.get(3) instanceof String order)) {
                    throw new CheckpointProblem("malformed pickle: " + g + " not of (bytes, dtype, shape, order)");
                }
                Numpy.Array arr = new Numpy.Array();
                arr.shape = longs(a.get(2), "numpy array shape");
                arr.dtype = d;
                arr.fortran = order.equals("F");
                arr.data = data;
                return arr;
            }
            default -> {
                throw new UnsafePickleException("refusing to load " + file + ": the pickle calls " + g.name
                        + ", which is not a function a checkpoint calls", g.name);
            }
        }
    }

    /** NEWOBJ, NEWOBJ_EX, OBJ, INST and REDUCE of an allowed class: an inert value of it. */
    private Object construct(Object cls, PyTuple args, String op) {
        if (!(cls instanceof Global g)) {
            String what = op + " on a " + typeName(cls);
            throw new UnsafePickleException("refusing to load " + file + ": the pickle constructs a " + typeName(cls)
                    + " value (" + what + "), which is not an allowed class", what);
        }
        switch (g.kind) {
            case NAMESPACE -> {
                if (!args.isEmpty()) {
                    throw new CheckpointProblem("malformed pickle: " + g + " with positional arguments");
                }
                return new InertObject(g.name, List.of(), null);
            }
            case ORDERED_DICT, SET, PATH -> {
                return g.kind == Kind.PATH ? path(g, args) : call(g, args);
            }
            default -> throw new UnsafePickleException("refusing to load " + file + ": the pickle constructs "
                    + g.name + " with " + op + ", which is not a class a checkpoint constructs", g.name);
        }
    }

    /** BUILD: sets the state of an object the reader made. */
    private void build(Object target, Object state) {
        if (target instanceof InertObject io) {
            if (io.state() instanceof Map<?, ?> old && state instanceof Map<?, ?> add) {
                @SuppressWarnings("unchecked")
                Map<Object, Object> merged = (Map<Object, Object>) old;
                merged.putAll(add);
            } else {
                io.setState(state);
            }
        } else if (target instanceof Numpy.Dtype d) {
            d.setState(state);
        } else if (target instanceof Numpy.Array arr) {
            arr.setState(state);
        } else if (target instanceof Map<?, ?> || target instanceof Set<?>) {
            // attributes of an OrderedDict (a state_dict's _metadata of module versions) or a set subclass:
            // not part of the data, dropped
            if (!(state instanceof Map<?, ?>) && !(state instanceof PyTuple)) {
                throw new CheckpointProblem("malformed pickle: BUILD of a dict with a " + typeName(state) + " state");
            }
        } else {
            throw new CheckpointProblem("malformed pickle: BUILD on a " + typeName(target)
                    + ", which has no state to set");
        }
    }

    // ---------------------------------------------------------------------------------------------- storages and tensors

    private Object persistent(Object pid) {
        if (!(pid instanceof PyTuple t) || t.isEmpty()) {
            throw new CheckpointProblem("malformed pickle: a persistent id that is not a tuple");
        }
        String type = text(t.get(0));
        if ("module".equals(type)) {
            throw new UnsafePickleException("refusing to load " + file + ": the pickle holds a whole torch.nn.Module,"
                    + " which needs its Python class to load; load it in Python and save model.state_dict() instead",
                    "torch.nn.Module");
        }
        if (!"storage".equals(type) || (t.size() != 5 && t.size() != 6)) {
            throw new CheckpointProblem("malformed pickle: a persistent id that is not ('storage', type, key,"
                    + " location, numel)");
        }
        TorchDtype dtype;
        if (t.get(1) instanceof Global g && (g.kind == Kind.STORAGE_TYPE || g.kind == Kind.DTYPE)) {
            dtype = g.dtype;
        } else {
            throw new CheckpointProblem("malformed pickle: a storage of type " + typeName(t.get(1)));
        }
        String key = t.get(2) instanceof Long l ? l.toString() : text(t.get(2));
        if (key == null) {
            throw new CheckpointProblem("malformed pickle: a storage key that is not a string");
        }
        long numel = nonNegative(t.get(4), "storage size");
        PyTuple view = null;
        if (t.size() == 6 && t.get(5) != null) {
            if (!(t.get(5) instanceof PyTuple v) || v.size() != 3) {
                throw new CheckpointProblem("malformed pickle: storage view metadata that is not (key, offset, size)");
            }
            view = v;
        }
        return storages.storage(key, dtype, numel, view);
    }

    private Object tensor(Object storage, Object offsetObj, Object sizeObj, Object strideObj) {
        if (!(storage instanceof StorageRef s)) {
            throw new CheckpointProblem("malformed pickle: a tensor rebuilt from a " + typeName(storage)
                    + " instead of a storage");
        }
        if (s.dtype.nd4j == null) {
            throw new CheckpointProblem("the checkpoint holds " + s.dtype.torchName() + " tensors, which ND4J has no"
                    + " type for");
        }
        long offset = nonNegative(offsetObj, "storage offset");
        long[] size = longs(sizeObj, "tensor size");
        long[] stride = longs(strideObj, "tensor stride");
        String shape = Arrays.toString(size);
        if (size.length != stride.length) {
            throw new CheckpointProblem("a tensor of size " + shape + " has stride " + Arrays.toString(stride));
        }
        if (size.length > 32) {
            throw new CheckpointProblem("a tensor of rank " + size.length + " (ND4J supports up to 32)");
        }
        long numel = 1;
        long reach = offset;
        try {
            for (int i = 0; i < size.length; i++) {
                if (size[i] < 0 || stride[i] < 0) {
                    throw new CheckpointProblem("a tensor of size " + shape + " and stride " + Arrays.toString(stride)
                            + " has a negative entry");
                }
                numel = Math.multiplyExact(numel, size[i]);
                if (size[i] > 0) {
                    reach = Math.addExact(reach, Math.multiplyExact(size[i] - 1, stride[i]));
                }
            }
            Math.multiplyExact(numel, (long) s.dtype.size);
        } catch (ArithmeticException e) {
            throw new CheckpointProblem("a tensor of size " + shape + ", stride " + Arrays.toString(stride)
                    + " and offset " + offset + " overflows 64-bit element counts");
        }
        if (numel > 0 && reach >= s.numel) {
            throw new CheckpointProblem("a tensor of size " + shape + ", stride " + Arrays.toString(stride)
                    + " and offset " + offset + " reaches element " + reach + " of storage '" + s.key + "', which has "
                    + s.numel + " elements");
        }
        if (numel * s.dtype.size > Integer.MAX_VALUE - 16) {
            throw new CheckpointProblem("a tensor of size " + shape + " is over 2 GiB, more than one ND4J buffer"
                    + " holds");
        }
        return new TensorRef(s, offset, size, stride);
    }

    // ---------------------------------------------------------------------------------------------- small values

    private Object bytesOf(Global g, PyTuple a) {
        arity(g, a, 0, 2);
        if (a.isEmpty()) {
            return new byte[0];
        }
        Object x = a.get(0);
        if (x instanceof byte[] b && a.size() == 1) {
            return b.clone();
        }
        if (x instanceof String s && a.size() == 2 && a.get(1) instanceof String enc
                && (enc.equalsIgnoreCase("latin1") || enc.equalsIgnoreCase("latin-1")
                || enc.equalsIgnoreCase("iso-8859-1"))) {
            byte[] out = new byte[s.length()];
            for (int i = 0; i < out.length; i++) {
                char c = s.charAt(i);
                if (c > 0xFF) {
                    throw new CheckpointProblem("malformed pickle: " + g + " of a character beyond latin-1");
                }
                out[i] = (byte) c;
            }
            return out;
        }
        if (x instanceof List<?> ints && a.size() == 1 && !g.name.endsWith("encode")) {
            byte[] out = new byte[ints.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(ints.get(i) instanceof Long v) || v < 0 || v > 255) {
                    throw new CheckpointProblem("malformed pickle: " + g + " of a list that is not of bytes");
                }
                out[i] = (byte) (long) v;
            }
            return out;
        }
        throw new CheckpointProblem("malformed pickle: " + g + " of " + a.size() + " arguments that are not (str,"
                + " 'latin-1'), bytes or a list of ints");
    }

    private static String path(Global g, PyTuple a) {
        String sep = g.name.contains("Windows") ? "\\" : "/";
        StringBuilder sb = new StringBuilder();
        for (Object part : a) {
            if (!(part instanceof String s)) {
                throw new CheckpointProblem("malformed pickle: " + g + " of a " + typeName(part));
            }
            if (sb.length() > 0 && !sb.toString().endsWith("/") && !sb.toString().endsWith("\\")) {
                sb.append(sep);
            }
            sb.append(s);
        }
        return sb.toString();
    }

    private static void arity(Global g, PyTuple a, int min, int max) {
        if (a.size() < min || a.size() > max) {
            throw new CheckpointProblem("malformed pickle: " + g + " called with " + a.size() + " arguments"
                    + (min == max ? " instead of " + min : ", expected " + min + " to " + max));
        }
    }

    private static PyTuple tuple(Object args, String op) {
        if (args instanceof PyTuple t) {
            return t;
        }
        throw new CheckpointProblem("malformed pickle: " + op + " with arguments that are a " + typeName(args)
                + ", not a tuple");
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> map(Object o) {
        if (o instanceof LinkedHashMap<?, ?>) {
            return (Map<Object, Object>) o;
        }
        throw new CheckpointProblem("malformed pickle: SETITEM on a " + typeName(o));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        if (o instanceof ArrayList<?>) {
            return (List<Object>) o;
        }
        throw new CheckpointProblem("malformed pickle: APPEND on a " + typeName(o));
    }

    private static void putPairs(Map<Object, Object> d, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw new CheckpointProblem("malformed pickle: a dict of an odd number of items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            d.put(items.get(i), items.get(i + 1));
        }
    }

    /** A list or tuple of non-negative integers (a size, stride or shape). */
    static long[] longs(Object o, String what) {
        if (!(o instanceof List<?> l)) {
            throw new CheckpointProblem("malformed pickle: a " + what + " that is a " + typeName(o));
        }
        if (l.size() > 64) {
            throw new CheckpointProblem("a " + what + " of rank " + l.size());
        }
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = nonNegative(l.get(i), what);
        }
        return out;
    }

    private static long nonNegative(Object o, String what) {
        if (o instanceof Long v && v >= 0) {
            return v;
        }
        throw new CheckpointProblem("a " + what + " of " + (o instanceof Number ? o : "type " + typeName(o))
                + " (must be a non-negative 64-bit integer)");
    }

    /** A str or bytes (Python 2 pickles) as a String; null otherwise. */
    private static String text(Object o) {
        if (o instanceof String s) {
            return s;
        }
        if (o instanceof byte[] b) {
            return latin1(b);
        }
        return null;
    }

    /** Python's type name of a value the reader made, for messages. */
    static String typeName(Object o) {
        if (o == null) {
            return "None";
        } else if (o instanceof String) {
            return "str";
        } else if (o instanceof Long || o instanceof BigInteger) {
            return "int";
        } else if (o instanceof Double) {
            return "float";
        } else if (o instanceof Boolean) {
            return "bool";
        } else if (o instanceof byte[]) {
            return "bytes";
        } else if (o instanceof PyTuple) {
            return "tuple";
        } else if (o instanceof List<?>) {
            return "list";
        } else if (o instanceof Map<?, ?>) {
            return "dict";
        } else if (o instanceof Set<?>) {
            return "set";
        } else if (o instanceof TensorRef) {
            return "tensor";
        } else if (o instanceof StorageRef) {
            return "storage";
        } else if (o instanceof Global g) {
            return g.name;
        } else if (o instanceof InertObject io) {
            return io.className();
        } else if (o instanceof Numpy.Dtype) {
            return "numpy.dtype";
        } else if (o instanceof Numpy.Array) {
            return "numpy.ndarray";
        }
        return o.getClass().getSimpleName();
    }

    // ---------------------------------------------------------------------------------------------- reading

    private int u8() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new CheckpointProblem("the pickle ends in the middle of an opcode; the file is truncated");
        }
        return b;
    }

    private int u16() throws IOException {
        return u8() | (u8() << 8);
    }

    private int i32() throws IOException {
        return u16() | (u16() << 16);
    }

    private long u32() throws IOException {
        return i32() & 0xFFFFFFFFL;
    }

    private long u64() throws IOException {
        long lo = u32();
        long hi = u32();
        long v = lo | (hi << 32);
        if (v < 0) {
            throw new CheckpointProblem("malformed pickle: a length of more than 2^63 bytes");
        }
        return v;
    }

    private byte[] bytes(long n, String what) throws IOException {
        in.require(n, "a " + what);
        if (n > Integer.MAX_VALUE - 16) {
            throw new CheckpointProblem("a " + what + " of " + n + " bytes in the pickle, more than Java holds");
        }
        byte[] b = new byte[(int) n];
        int off = 0;
        while (off < b.length) {
            int r = in.read(b, off, b.length - off);
            if (r < 0) {
                throw new CheckpointProblem("the pickle ends inside a " + what + "; the file is truncated");
            }
            off += r;
        }
        return b;
    }

    /** A text line without its newline, of at most {@code max} characters. */
    private String line(int max) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = u8();
            if (b == '\n') {
                return utf8(line.toByteArray());
            }
            if (line.size() >= max) {
                throw new CheckpointProblem("malformed pickle: a text line of more than " + max + " bytes");
            }
            line.write(b);
        }
    }

    private static Object integer(String s) {
        try {
            return narrow(new BigInteger(s.trim()));
        } catch (NumberFormatException e) {
            throw new CheckpointProblem("malformed pickle: an integer written as '" + Allowlist.printable(s) + "'");
        }
    }

    private static Object twosComplement(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        return narrow(new BigInteger(be));
    }

    private static Object narrow(BigInteger v) {
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
