package dev.tokenmix.core.io.torch;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The element types of PyTorch storages and tensors: their size in bytes, their ND4J type (null where ND4J has
 * none), the legacy storage class names ({@code torch.FloatStorage}) and the dtype names ({@code torch.float32}).
 */
enum TorchDtype {
    FLOAT32(4, DataType.FLOAT, "FloatStorage", "float32", "float"),
    FLOAT64(8, DataType.DOUBLE, "DoubleStorage", "float64", "double"),
    FLOAT16(2, DataType.FLOAT16, "HalfStorage", "float16", "half"),
    BFLOAT16(2, DataType.BFLOAT16, "BFloat16Storage", "bfloat16"),
    INT64(8, DataType.INT64, "LongStorage", "int64", "long"),
    INT32(4, DataType.INT32, "IntStorage", "int32", "int"),
    INT16(2, DataType.INT16, "ShortStorage", "int16", "short"),
    INT8(1, DataType.INT8, "CharStorage", "int8"),
    UINT8(1, DataType.UINT8, "ByteStorage", "uint8"),
    BOOL(1, DataType.BOOL, "BoolStorage", "bool"),
    COMPLEX32(4, null, "ComplexHalfStorage", "complex32", "chalf"),
    COMPLEX64(8, null, "ComplexFloatStorage", "complex64", "cfloat"),
    COMPLEX128(16, null, "ComplexDoubleStorage", "complex128", "cdouble"),
    QINT8(1, null, "QInt8Storage", "qint8"),
    QUINT8(1, null, "QUInt8Storage", "quint8"),
    QINT32(4, null, "QInt32Storage", "qint32"),
    QUINT4X2(1, null, "QUInt4x2Storage", "quint4x2");

    private static final Map<String, TorchDtype> BY_STORAGE = new HashMap<>();
    private static final Map<String, TorchDtype> BY_NAME = new HashMap<>();

    static {
        for (TorchDtype t : values()) {
            BY_STORAGE.put(t.storageClass, t);
            for (String n : t.names) {
                BY_NAME.put(n, t);
            }
        }
    }

    final int size;
    final DataType nd4j;
    final String storageClass;
    private final String[] names;

    TorchDtype(int size, DataType nd4j, String storageClass, String... names) {
        this.size = size;
        this.nd4j = nd4j;
        this.storageClass = storageClass;
        this.names = names;
    }

    /** The canonical PyTorch name, {@code torch.float32}. */
    String torchName() {
        return "torch." + names[0];
    }

    /** The type of a legacy storage class name such as {@code FloatStorage}, or null. */
    static TorchDtype ofStorageClass(String name) {
        return BY_STORAGE.get(name);
    }

    /** The type of a dtype attribute of the torch module such as {@code float32} or {@code half}, or null. */
    static TorchDtype ofName(String name) {
        return BY_NAME.get(name);
    }
}
