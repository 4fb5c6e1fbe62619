package dev.tokenmix.core.io.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The spellings of a tensor that torch 1.13 does not write for a plain state_dict but other versions and writers
 * do: the 4-argument {@code _rebuild_tensor}, {@code _rebuild_tensor_v2} with metadata, torch 2.x's
 * {@code _rebuild_parameter_with_state} and {@code _rebuild_from_type_v2}, a dtype instead of a storage class in
 * the persistent id, {@code torch.UntypedStorage}, a storage saved on its own and {@code torch.Size}.
 */
class TensorRebuildTest {
    @TempDir
    Path dir;

    private Object read(PickleWriter w, byte[] storage) {
        return TorchCheckpoint.read(TorchFiles.write(dir, "t.pth", TorchFiles.zip(w.stop().toBytes(),
                Map.of("0", storage))));
    }

    private static void assertFloats(Object o, long[] shape, double... values) {
        INDArray a = assertInstanceOf(INDArray.class, o);
        assertArrayEquals(shape, a.shape());
        assertArrayEquals(values, a.reshape(a.length()).toDoubleVector(), 0.0);
    }

    @Test
    void oldFourArgumentRebuild() {
        PickleWriter w = new PickleWriter().proto(2).global("torch._utils", "_rebuild_tensor").mark();
        w.storage("FloatStorage", "0", 4).integer(1).ints(3).ints(1).tuple().reduce();
        assertFloats(read(w, TorchFiles.floats(1, 2, 3, 4)), new long[] {3}, 2, 3, 4);
    }

    @Test
    void rebuildV2WithMetadataAndTorchSize() {
        // size as torch.Size((2, 2)), the seventh argument a metadata dict
        PickleWriter w = new PickleWriter().proto(2).global("torch._utils", "_rebuild_tensor_v2").mark();
        w.storage("FloatStorage", "0", 4).integer(0).global("torch", "Size").mark().ints(2, 2).tuple().reduce()
                .ints(1, 2).bool(true).global("collections", "OrderedDict").emptyTuple().reduce().emptyDict().tuple()
                .reduce();
        // stride (1, 2): the transpose of [[1, 2], [3, 4]]
        assertFloats(read(w, TorchFiles.floats(1, 2, 3, 4)), new long[] {2, 2}, 1, 3, 2, 4);
    }

    @Test
    void parameterWithStateAndRebuildFromType() {
        PickleWriter w = new PickleWriter().proto(2).emptyDict();
        w.str("p").global("torch._utils", "_rebuild_parameter_with_state").mark()
                .tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                .bool(true).global("collections", "OrderedDict").emptyTuple().reduce().emptyDict().tuple().reduce()
                .setitem();
        w.str("t").global("torch._tensor", "_rebuild_from_type_v2").mark()
                .global("torch._utils", "_rebuild_tensor_v2").global("torch", "Tensor").mark();
        w.storage("FloatStorage", "0", 2).integer(1).ints(1).ints(1).bool(false).none().tuple()
                .emptyDict().tuple().reduce().setitem();
        Map<?, ?> m = (Map<?, ?>) read(w, TorchFiles.floats(5, 6));
        assertFloats(m.get("p"), new long[] {2}, 5, 6);
        assertFloats(m.get("t"), new long[] {1}, 6);
    }

    @Test
    void dtypeInsteadOfStorageClassAndUntypedStorage() {
        PickleWriter w = new PickleWriter().proto(2).emptyDict();
        w.str("f").global("torch._utils", "_rebuild_tensor_v2").mark();
        w.mark().str("storage").global("torch", "float32").str("0").str("cpu").integer(2).tuple().binpersid();
        w.integer(0).ints(2).ints(1).bool(false).none().tuple().reduce().setitem();
        w.str("u").global("torch._utils", "_rebuild_tensor_v2").mark();
        w.mark().str("storage").global("torch", "UntypedStorage").str("1").str("cpu").integer(8).tuple().binpersid();
        w.integer(4).ints(4).ints(1).bool(false).none().tuple().reduce().setitem();
        Map<?, ?> m = (Map<?, ?>) TorchCheckpoint.read(TorchFiles.write(dir, "d.pth", TorchFiles.zip(w.stop().toBytes(),
                Map.of("0", TorchFiles.floats(1, -2), "1", TorchFiles.floats(1, -2)))));
        assertFloats(m.get("f"), new long[] {2}, 1, -2);
        INDArray u = (INDArray) m.get("u");
        assertEquals(DataType.UINT8, u.dataType());
        // the bytes of -2.0f, little-endian: 00 00 00 c0
        assertArrayEquals(new double[] {0, 0, 0, 0xc0}, u.toDoubleVector(), 0.0);
    }

    @Test
    void storageSavedOnItsOwnIsAFlatArray() {
        PickleWriter w = new PickleWriter().proto(2).emptyList();
        w.storage("FloatStorage", "0", 3).append();
        List<?> l = (List<?>) read(w, TorchFiles.floats(7, 8, 9));
        assertFloats(l.get(0), new long[] {3}, 7, 8, 9);
    }

    @Test
    void legacyStorageViewOfTorchBeforeOnePointZero() {
        // ('storage', FloatStorage, 'root', 'cpu', 6, ('view', 2, 3)): elements 2..4 of the root
        PickleWriter w = new PickleWriter().proto(2).global("torch._utils", "_rebuild_tensor").mark();
        w.mark().str("storage").global("torch", "FloatStorage").str("root").str("cpu").integer(6)
                .mark().str("view").integer(2).integer(3).tuple().tuple().binpersid();
        w.integer(1).ints(2).ints(1).tuple().reduce().stop();
        Path file = TorchFiles.write(dir, "v.pth", TorchFiles.legacy(w.toBytes(), List.of("root"), List.of(6L),
                List.of(TorchFiles.floats(0, 1, 2, 3, 4, 5))));
        assertFloats(TorchCheckpoint.read(file), new long[] {2}, 3, 4);
    }
}
