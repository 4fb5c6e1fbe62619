package dev.tokenmix.core.io.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The numpy values that training scripts leave in checkpoints (a best accuracy as {@code numpy.float64}, a seed as
 * {@code numpy.int64}, now and then a small array in the arguments), rebuilt from their pickled form as data:
 * {@code numpy.dtype(descr, align, copy)} plus a state tuple with the byte order; {@code scalar(dtype, bytes)};
 * {@code _reconstruct(ndarray, (0,), b'b')} plus the state {@code (version, shape, dtype, fortran, bytes)}; and
 * {@code _frombuffer(bytes, dtype, shape, order)}.
 */
final class Numpy {
    private Numpy() {
    }

    /** A numpy dtype: kind character, item size, byte order ({@code '<'}, {@code '>'}, {@code '|'} or {@code '='}). */
    static final class Dtype {
        final String descr;
        char order = '=';

        Dtype(String descr) {
            this.descr = descr;
        }

        /** Sets the byte order from the {@code BUILD} state {@code (version, order, ...)}. */
        void setState(Object state) {
            if (state instanceof List<?> t && t.size() >= 2 && t.get(1) instanceof String s && s.length() == 1) {
                order = s.charAt(0);
                return;
            }
            throw new CheckpointProblem("numpy.dtype with a state that is not (version, byteorder, ...)");
        }

        char kind() {
            return descr.isEmpty() ? '?' : descr.charAt(0);
        }

        int itemSize() {
            try {
                return Integer.parseInt(descr.substring(1));
            } catch (RuntimeException e) {
                return -1;
            }
        }

        boolean bigEndian() {
            return order == '>';
        }

        /** The matching tensor type, or null for strings, objects, dates, complex numbers and the like. */
        TorchDtype torch() {
            switch (descr) {
                case "f2": return TorchDtype.FLOAT16;
                case "f4": return TorchDtype.FLOAT32;
                case "f8": return TorchDtype.FLOAT64;
                case "i1": return TorchDtype.INT8;
                case "i2": return TorchDtype.INT16;
                case "i4": return TorchDtype.INT32;
                case "i8": return TorchDtype.INT64;
                case "u1": return TorchDtype.UINT8;
                case "b1": return TorchDtype.BOOL;
                default: return null;
            }
        }

        InertObject toInert() {
            return new InertObject("numpy.dtype", List.of((order == '=' ? "" : String.valueOf(order)) + descr), null);
        }
    }

    /** A numpy array whose state arrives with {@code BUILD}; built into an INDArray when the pickle is done. */
    static final class Array {
        long[] shape;
        Dtype dtype;
        boolean fortran;
        byte[] data;

        void setState(Object state) {
            if (!(state instanceof List<?> t) || t.size() != 5 || !(t.get(2) instanceof Dtype d)
                    || !(t.get(3) instanceof Boolean f)) {
                throw new CheckpointProblem("numpy array with a state that is not (version, shape, dtype, fortran, data)");
            }
            if (!(t.get(4) instanceof byte[] bytes)) {
                throw new CheckpointProblem("numpy array of dtype " + d.descr + " whose data is not raw bytes"
                        + " (object arrays are not supported)");
            }
            shape = SafeUnpickler.longs(t.get(1), "numpy array shape");
            dtype = d;
            fortran = f;
            data = bytes;
        }
    }

    /** A numpy scalar as a Java value: Double, Long or Boolean, or an {@link InertObject} for other types. */
    static Object scalar(Dtype dtype, byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(dtype.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int size = dtype.itemSize();
        if (size == bytes.length) {
            switch (dtype.kind()) {
                case 'f':
                    if (size == 8) {
                        return b.getDouble(0);
                    } else if (size == 4) {
                        return (double) b.getFloat(0);
                    } else if (size == 2) {
                        return (double) halfToFloat(b.getShort(0));
                    }
                    break;
                case 'i':
                case 'u':
                    if (size == 8 && dtype.kind() == 'u' && b.getLong(0) < 0) {
                        break; // above Long.MAX_VALUE
                    }
                    long v = switch (size) {
                        case 1 -> dtype.kind() == 'u' ? b.get(0) & 0xFF : b.get(0);
                        case 2 -> dtype.kind() == 'u' ? b.getShort(0) & 0xFFFF : b.getShort(0);
                        case 4 -> dtype.kind() == 'u' ? b.getInt(0) & 0xFFFFFFFFL : b.getInt(0);
                        case 8 -> b.getLong(0);
                        default -> Long.MIN_VALUE;
                    };
                    if (size == 1 || size == 2 || size == 4 || size == 8) {
                        return v;
                    }
                    break;
                case 'b':
                    if (size == 1) {
                        return bytes[0] != 0;
                    }
                    break;
                default:
                    break;
            }
        }
        return new InertObject("numpy.core.multiarray.scalar", List.of(dtype.toInert(), bytes), null);
    }

    /** IEEE 754 binary16 to float, exactly (subnormals, infinities and NaN included). */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
