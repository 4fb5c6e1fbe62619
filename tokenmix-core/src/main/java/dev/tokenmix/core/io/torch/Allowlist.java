package dev.tokenmix.core.io.torch;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The globals a checkpoint's pickle may name, and the words of the refusal for every other one.
 *
 * <p>A pickle names a global ({@code GLOBAL} / {@code STACK_GLOBAL} / {@code INST}) to call or construct it. Python
 * imports and calls whatever is named, which is how a weights file runs code. Here a name resolves only to one of
 * the {@link Kind}s below, each implemented by the reader in Java as pure data handling; any other name is refused
 * on sight, before the pickle goes on, so nothing of the file is ever called.
 */
final class Allowlist {
    /** What an allowed global is, and so what calling or constructing it does in the reader. */
    enum Kind {
        /** {@code torch._utils._rebuild_tensor(storage, offset, size, stride)}. */
        REBUILD_TENSOR,
        /** {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])}. */
        REBUILD_TENSOR_V2,
        /** {@code torch._utils._rebuild_parameter(data, requires_grad, hooks)}: the tensor itself. */
        REBUILD_PARAMETER,
        /** {@code torch._utils._rebuild_parameter_with_state(data, requires_grad, hooks, state)} (torch 2.x). */
        REBUILD_PARAMETER_WITH_STATE,
        /** {@code torch._tensor._rebuild_from_type_v2(func, type, args, state)}: func(*args) for Tensor/Parameter. */
        REBUILD_FROM_TYPE,
        /** {@code torch.Tensor}, {@code torch.nn.parameter.Parameter}: only as the type of REBUILD_FROM_TYPE. */
        TENSOR_CLASS,
        /** {@code torch.FloatStorage} and the other storage classes: only inside a storage persistent id. */
        STORAGE_TYPE,
        /** {@code torch.float32} and the other dtypes: a value. */
        DTYPE,
        /** {@code collections.OrderedDict}: a LinkedHashMap. */
        ORDERED_DICT,
        /** {@code torch.Size(tuple)}: a list of Long. */
        TORCH_SIZE,
        /** {@code torch.device(type[, index])}: an InertObject. */
        TORCH_DEVICE,
        /** {@code builtins.set} and {@code frozenset}: a LinkedHashSet. */
        SET,
        /** {@code builtins.bytes()}, {@code bytearray(str, 'latin-1')} and {@code _codecs.encode(str, 'latin1')}. */
        BYTES,
        /** {@code builtins.object}: only as the base of a copyreg reconstruction. */
        OBJECT,
        /** {@code copyreg._reconstructor(cls, object, None)}: protocol 0/1 construction of an allowed class. */
        RECONSTRUCTOR,
        /** {@code argparse.Namespace}, {@code types.SimpleNamespace}: an InertObject holding the attributes. */
        NAMESPACE,
        /** {@code pathlib.PosixPath(parts...)} and the other path classes: the path as a String. */
        PATH,
        /** {@code numpy.core.multiarray.scalar(dtype, bytes)}: a Double, Long or Boolean. */
        NUMPY_SCALAR,
        /** {@code numpy.dtype(descr, align, copy)}. */
        NUMPY_DTYPE,
        /** {@code numpy.core.multiarray._reconstruct(ndarray, shape, dtype)}: an array filled by BUILD. */
        NUMPY_RECONSTRUCT,
        /** {@code numpy.ndarray}: only as the first argument of NUMPY_RECONSTRUCT. */
        NUMPY_NDARRAY,
        /** {@code numpy.core.numeric._frombuffer(bytes, dtype, shape, order)}. */
        NUMPY_FROMBUFFER
    }

    /** An allowed global on the unpickler's stack: its qualified name and kind (and type, for storages and dtypes). */
    static final class Global {
        final String name;
        final Kind kind;
        final TorchDtype dtype;

        Global(String name, Kind kind, TorchDtype dtype) {
            this.name = name;
            this.kind = kind;
            this.dtype = dtype;
        }

        /** How the global appears when left in the result as a value. */
        InertObject toInert() {
            return new InertObject(kind == Kind.DTYPE ? dtype.torchName() : name, List.of(), null);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final Map<String, Kind> FIXED = new HashMap<>();

    static {
        put(Kind.REBUILD_TENSOR, "torch._utils._rebuild_tensor");
        put(Kind.REBUILD_TENSOR_V2, "torch._utils._rebuild_tensor_v2");
        put(Kind.REBUILD_PARAMETER, "torch._utils._rebuild_parameter");
        put(Kind.REBUILD_PARAMETER_WITH_STATE, "torch._utils._rebuild_parameter_with_state");
        put(Kind.REBUILD_FROM_TYPE, "torch._tensor._rebuild_from_type_v2", "torch.tensor._rebuild_from_type_v2",
                "torch._tensor._rebuild_from_type", "torch.tensor._rebuild_from_type");
        put(Kind.TENSOR_CLASS, "torch.Tensor", "torch._tensor.Tensor", "torch.tensor.Tensor",
                "torch.nn.parameter.Parameter");
        put(Kind.ORDERED_DICT, "collections.OrderedDict");
        put(Kind.TORCH_SIZE, "torch.Size");
        put(Kind.TORCH_DEVICE, "torch.device");
        put(Kind.SET, "builtins.set", "builtins.frozenset");
        put(Kind.BYTES, "builtins.bytes", "builtins.bytearray", "_codecs.encode");
        put(Kind.OBJECT, "builtins.object");
        put(Kind.RECONSTRUCTOR, "copyreg._reconstructor");
        put(Kind.NAMESPACE, "argparse.Namespace", "types.SimpleNamespace");
        put(Kind.PATH, "pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.PurePath",
                "pathlib.PurePosixPath", "pathlib.PureWindowsPath");
        put(Kind.NUMPY_SCALAR, "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar");
        put(Kind.NUMPY_DTYPE, "numpy.dtype");
        put(Kind.NUMPY_RECONSTRUCT, "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct");
        put(Kind.NUMPY_NDARRAY, "numpy.ndarray");
        put(Kind.NUMPY_FROMBUFFER, "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer");
    }

    /** Tensors of torch that have no dense data to read: refused as unsupported, with what to do instead. */
    private static final Map<String, String[]> UNSUPPORTED = Map.of(
            "torch._utils._rebuild_sparse_tensor", new String[] {"a sparse tensor", "save tensor.to_dense() instead"},
            "torch._utils._rebuild_sparse_csr_tensor", new String[] {"a sparse tensor",
                "save tensor.to_dense() instead"},
            "torch._utils._rebuild_qtensor", new String[] {"a quantized tensor", "save tensor.dequantize() instead"},
            "torch._utils._rebuild_meta_tensor_no_storage", new String[] {"a meta tensor",
                "it has no data; save the materialized tensor"},
            "torch._utils._rebuild_device_tensor_from_numpy", new String[] {"a tensor of a non-CPU device",
                "save tensor.cpu() instead"},
            "torch._utils._rebuild_wrapper_subclass", new String[] {"a tensor subclass", "save plain tensors"},
            "torch._utils._rebuild_nested_tensor", new String[] {"a nested tensor", "save plain tensors"});

    /** Modules whose globals do things no checkpoint needs: running commands, code, imports, files, the network. */
    private static final List<String> DANGEROUS = List.of("os", "posix", "nt", "subprocess", "_posixsubprocess",
            "builtins", "__builtin__", "importlib", "imp", "runpy", "pickle", "_pickle", "cPickle", "dill", "marshal",
            "shutil", "sys", "socket", "ctypes", "code", "codeop", "pty", "platform", "webbrowser", "multiprocessing",
            "threading", "_thread", "signal", "io", "_io", "types", "functools", "_functools", "operator",
            "_operator", "inspect", "tempfile", "pathlib", "glob", "urllib", "http", "asyncio", "codecs", "_codecs",
            "zipimport", "pkgutil", "site", "sysconfig", "timeit", "pdb", "bdb", "trace", "copyreg", "copy_reg",
            "torch", "numpy", "collections", "typing", "gc", "weakref", "posixpath", "ntpath", "zipfile", "tarfile");

    /**
     * Python 2 module names that Python 3's unpickler renames (its {@code fix_imports}); protocol 2 pickles written
     * by Python 3 use them too ({@code __builtin__.set}, {@code commands.Popen} for {@code subprocess.Popen}).
     */
    private static final Map<String, String> PY2_MODULES = Map.of("__builtin__", "builtins", "copy_reg", "copyreg",
            "commands", "subprocess", "cPickle", "pickle", "exceptions", "builtins", "UserDict", "collections",
            "UserList", "collections", "Queue", "queue", "thread", "_thread", "urllib2", "urllib.request");

    private Allowlist() {
    }

    /** The Python 3 name of a module as Python 3's unpickler resolves it. */
    static String python3Module(String module) {
        return PY2_MODULES.getOrDefault(module, module);
    }

    private static void put(Kind kind, String... names) {
        for (String n : names) {
            FIXED.put(n, kind);
        }
    }

    /** The allowed global {@code module.name} (Python 3 module names), or null when it is not allowed. */
    static Global resolve(String module, String name) {
        String q = module + "." + name;
        Kind k = FIXED.get(q);
        if (k != null) {
            return new Global(q, k, null);
        }
        if (module.equals("torch") || module.equals("torch.cuda")) {
            TorchDtype storage = TorchDtype.ofStorageClass(name);
            if (storage != null) {
                return new Global(q, Kind.STORAGE_TYPE, storage);
            }
            if (name.equals("UntypedStorage") || name.equals("_UntypedStorage")) {
                return new Global(q, Kind.STORAGE_TYPE, TorchDtype.UINT8);
            }
            TorchDtype dtype = module.equals("torch") ? TorchDtype.ofName(name) : null;
            if (dtype != null) {
                return new Global(q, Kind.DTYPE, dtype);
            }
        }
        if (module.equals("torch.storage") && (name.equals("UntypedStorage") || name.equals("_UntypedStorage"))) {
            return new Global(q, Kind.STORAGE_TYPE, TorchDtype.UINT8);
        }
        return null;
    }

    /**
     * For a known torch rebuild function of tensors without plain dense data: what it holds and what to do instead;
     * null for any other name.
     */
    static String[] unsupported(String qualified) {
        return UNSUPPORTED.get(qualified);
    }

    /** The one-line refusal of a global that is not allowed, naming it. */
    static String refusal(String file, String qualified) {
        String q = printable(qualified);
        String head = "refusing to load " + file + ": the pickle ";
        if (qualified.startsWith("__torch__.")) {
            return head + "holds a TorchScript object (" + q + "); load it with torch.jit.load in Python and save "
                    + "its state_dict() instead";
        }
        if (qualified.startsWith("torch.nn.") && !qualified.startsWith("torch.nn.parameter.")) {
            return head + "holds a whole torch.nn.Module (" + q + "), which needs its Python class to load; load it "
                    + "in Python and save model.state_dict() instead";
        }
        String verdict = head + "calls " + q + ", which is not a tensor, container or known-harmless class";
        int dot = qualified.indexOf('.');
        String root = dot < 0 ? qualified : qualified.substring(0, dot);
        String module = qualified.lastIndexOf('.') < 0 ? "" : qualified.substring(0, qualified.lastIndexOf('.'));
        for (String d : DANGEROUS) {
            if (module.equals(d) || module.startsWith(d + ".") || root.equals(d)) {
                return verdict + "; a checkpoint never needs it";
            }
        }
        return verdict + "; if the file holds a whole pickled model or object, load it in Python and save its "
                + "state_dict() instead";
    }

    /** A name from the file for a message: control characters escaped, at most 200 characters. */
    static String printable(String s) {
        return printable(s, 200);
    }

    /** Text for a one-line message: control characters escaped, at most {@code max} characters. */
    static String printable(String s, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.length() >= max ? sb.append("...").toString() : sb.toString();
    }
}
