package dev.tokenmix.core.io.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every committed fixture (scripts/make_torch_fixtures.py, torch 1.13) loads with the shapes, types and values the
 * generator's rule gives, in the zip, legacy, protocol-4 and big-endian layouts alike.
 */
class TorchCheckpointFixturesTest {

    /** The generator's rule for element i of a fixture tensor (see pattern() in the script). */
    static double pattern(long i, DataType type) {
        if (type.isFPType()) {
            return i * 0.25 - 1;
        } else if (type == DataType.BOOL) {
            return i % 3 == 0 ? 1 : 0;
        } else if (type == DataType.INT64) {
            return i * 1000003 - 7 + (1L << 40);
        } else if (type == DataType.UINT8) {
            return i * 3;
        }
        return i * 3 - 5;
    }

    @ParameterizedTest
    @ValueSource(strings = {"state_dict_zip.pth", "state_dict_legacy.pth", "state_dict_zip_proto4.pth",
        "state_dict_big_endian.pth"})
    void stateDictLoadsWithExactValues(String fixture) {
        Object root = TorchCheckpoint.read(TorchFiles.fixture(fixture));
        Map<?, ?> sd = assertInstanceOf(Map.class, root);
        assertEquals(List.of("f32", "f64", "f16", "bf16", "i64", "i32", "i16", "i8", "u8", "bool", "scalar", "empty",
                "transposed", "sliced", "shared_a", "shared_b", "expanded", "param", "tied_a", "tied_b"),
                List.copyOf(sd.keySet()), "keys in checkpoint order");

        assertPattern(sd.get("f32"), DataType.FLOAT, 2, 3, 4);
        assertPattern(sd.get("f64"), DataType.DOUBLE, 3);
        assertPattern(sd.get("f16"), DataType.FLOAT16, 3, 4);
        assertPattern(sd.get("bf16"), DataType.BFLOAT16, 2, 5);
        assertPattern(sd.get("i64"), DataType.INT64, 5);
        assertPattern(sd.get("i32"), DataType.INT32, 4);
        assertPattern(sd.get("i16"), DataType.INT16, 4);
        assertPattern(sd.get("i8"), DataType.INT8, 4);
        assertPattern(sd.get("u8"), DataType.UINT8, 4);
        assertPattern(sd.get("bool"), DataType.BOOL, 2, 3);

        INDArray scalar = (INDArray) sd.get("scalar");
        assertEquals(0, scalar.rank());
        assertEquals(3.5, scalar.getDouble(0), 0.0);
        INDArray empty = (INDArray) sd.get("empty");
        assertArrayEquals(new long[] {0, 3}, empty.shape());
        assertTrue(empty.isEmpty());

        // base = pattern(12).reshape(4, 3); transposed[i][j] = base[j][i]
        assertValues(sd.get("transposed"), DataType.FLOAT, new long[] {3, 4}, k -> pattern((k % 4) * 3 + k / 4,
                DataType.FLOAT));
        // big = pattern(20).reshape(4, 5); sliced = big[1:3, 2:5]
        assertValues(sd.get("sliced"), DataType.FLOAT, new long[] {2, 3}, k -> pattern((1 + k / 3) * 5 + 2 + k % 3,
                DataType.FLOAT));
        assertPattern(sd.get("shared_a"), DataType.FLOAT, 2, 5);
        assertValues(sd.get("shared_b"), DataType.FLOAT, new long[] {6}, k -> pattern(3 + k, DataType.FLOAT));
        assertNotSame(sd.get("shared_a"), sd.get("shared_b"));
        assertValues(sd.get("expanded"), DataType.FLOAT, new long[] {2, 3}, k -> 1.5);
        assertPattern(sd.get("param"), DataType.FLOAT, 2, 3);
        assertPattern(sd.get("tied_a"), DataType.FLOAT, 3);
        assertSame(sd.get("tied_a"), sd.get("tied_b"), "one tensor object under two keys stays one array");
    }

    @ParameterizedTest
    @ValueSource(strings = {"checkpoint_nested.pth.tar", "checkpoint_nested_legacy.pth"})
    void nestedTrainingCheckpointKeepsEveryPart(String fixture) {
        Map<?, ?> ck = assertInstanceOf(Map.class, TorchCheckpoint.read(TorchFiles.fixture(fixture)));
        assertEquals(List.of("model", "model_ema", "optimizer", "epoch", "args", "best_acc1", "blob", "tags"),
                List.copyOf(ck.keySet()));

        Map<?, ?> model = assertInstanceOf(Map.class, ck.get("model"));
        // a module's state_dict(): its _metadata attribute (set with BUILD) is not part of the data
        assertEquals(List.of("head.weight", "head.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
                "bn.num_batches_tracked"), List.copyOf(model.keySet()));
        assertPattern(model.get("head.weight"), DataType.FLOAT, 2, 3);
        assertPattern(model.get("head.bias"), DataType.FLOAT, 2);
        assertValues(model.get("bn.weight"), DataType.FLOAT, new long[] {2}, k -> 1);
        assertValues(model.get("bn.running_mean"), DataType.FLOAT, new long[] {2}, k -> 0);
        assertValues(model.get("bn.num_batches_tracked"), DataType.INT64, new long[0], k -> 0);
        Map<?, ?> ema = assertInstanceOf(Map.class, ck.get("model_ema"));
        assertValues(ema.get("head.weight"), DataType.FLOAT, new long[] {2, 3}, k -> 2 * pattern(k, DataType.FLOAT));

        Map<?, ?> opt = assertInstanceOf(Map.class, ck.get("optimizer"));
        Map<?, ?> state = assertInstanceOf(Map.class, opt.get("state"));
        Map<?, ?> p0 = assertInstanceOf(Map.class, state.get(0L), "optimizer state is keyed by Long indices");
        INDArray step = (INDArray) p0.get("step");
        assertEquals(0, step.rank());
        assertEquals(3.0, step.getDouble(0), 0.0);
        assertPattern(p0.get("exp_avg"), DataType.FLOAT, 2, 3);
        List<?> groups = assertInstanceOf(List.class, opt.get("param_groups"));
        Map<?, ?> g = assertInstanceOf(Map.class, groups.get(0));
        assertEquals(0.001, g.get("lr"));
        assertEquals(List.of(0.9, 0.999), g.get("betas"));
        assertEquals(0.05, g.get("weight_decay"));
        assertEquals(false, g.get("amsgrad"));
        assertEquals(List.of(0L, 1L), g.get("params"));

        assertEquals(3L, ck.get("epoch"));
        assertEquals(81.25, ck.get("best_acc1"));
        assertArrayEquals(new byte[] {0, 1, (byte) 0xFF}, (byte[]) ck.get("blob"));
        assertEquals(Set.of("a", "b"), ck.get("tags"));

        InertObject args = assertInstanceOf(InertObject.class, ck.get("args"));
        assertEquals("argparse.Namespace", args.className());
        Map<String, Object> f = args.fields();
        assertEquals(List.of("model", "lr", "epochs", "drop_path", "amp", "resume", "input_size", "mean", "best",
                "seed", "flag", "half", "single", "byte", "grid", "grid_be", "grid_f", "output_dir", "device", "dtype"),
                List.copyOf(f.keySet()));
        assertEquals("pacavit_tiny", f.get("model"));
        assertEquals(0.001, f.get("lr"));
        assertEquals(300L, f.get("epochs"));
        assertEquals(0.1, f.get("drop_path"));
        assertEquals(true, f.get("amp"));
        assertNull(f.get("resume"));
        assertEquals(List.of(3L, 224L, 224L), f.get("input_size"));
        assertEquals(List.of(0.485, 0.456, 0.406), f.get("mean"));
        assertEquals(81.5, f.get("best"), "numpy.float64 becomes a Double");
        assertEquals(7L, f.get("seed"), "numpy.int64 becomes a Long");
        assertEquals(true, f.get("flag"), "numpy.bool_ becomes a Boolean");
        assertEquals(-1.5, f.get("half"), "numpy.float16 becomes a Double");
        assertEquals(0.25, f.get("single"), "numpy.float32 becomes a Double");
        assertEquals(200L, f.get("byte"), "numpy.uint8 becomes a Long");
        assertValues(f.get("grid"), DataType.FLOAT, new long[] {2, 3}, k -> k);
        assertValues(f.get("grid_be"), DataType.INT32, new long[] {3}, k -> k);
        // a Fortran-order numpy array comes out in C order with the same elements
        assertValues(f.get("grid_f"), DataType.DOUBLE, new long[] {2, 3}, k -> k);
        assertEquals("/runs/exp1", f.get("output_dir"));
        InertObject device = assertInstanceOf(InertObject.class, f.get("device"));
        assertEquals("torch.device", device.className());
        assertEquals(List.of("cuda", 0L), device.args());
        assertEquals("torch.device('cuda', 0)", device.toString());
        assertEquals("torch.float16", ((InertObject) f.get("dtype")).className());
    }

    @ParameterizedTest
    @ValueSource(strings = {"state_dict_zip.pth", "checkpoint_nested.pth.tar"})
    void resultIsPlainJavaData(String fixture) {
        Map<?, ?> m = (Map<?, ?>) TorchCheckpoint.read(TorchFiles.fixture(fixture));
        // a tuple is an unmodifiable list; a dict a modifiable LinkedHashMap
        assertInstanceOf(java.util.LinkedHashMap.class, m);
        if (m.get("optimizer") instanceof Map<?, ?> opt) {
            List<?> betas = (List<?>) ((Map<?, ?>) ((List<?>) opt.get("param_groups")).get(0)).get("betas");
            assertThrows(UnsupportedOperationException.class, () -> betas.remove(0));
        }
    }

    static void assertPattern(Object tensor, DataType type, long... shape) {
        assertValues(tensor, type, shape, k -> pattern(k, type));
    }

    /** Shape, type, C order and every element (in C order) against {@code expected}. */
    static void assertValues(Object tensor, DataType type, long[] shape, LongToDoubleFunction expected) {
        INDArray a = assertInstanceOf(INDArray.class, tensor);
        assertEquals(type, a.dataType());
        assertArrayEquals(shape, a.shape());
        assertEquals('c', a.ordering());
        INDArray flat = a.reshape(a.length());
        for (long k = 0; k < a.length(); k++) {
            double want = expected.applyAsDouble(k);
            if (type == DataType.INT64) {
                assertEquals((long) want, flat.getLong(k), "element " + k);
            } else {
                assertEquals(want, flat.getDouble(k), 0.0, "element " + k);
            }
        }
    }
}
