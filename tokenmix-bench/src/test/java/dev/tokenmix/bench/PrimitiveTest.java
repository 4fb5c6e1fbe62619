package dev.tokenmix.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.CompiledGraph;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Param;

/** Every primitive {@link PrimitiveBenchmark} times is one of its parameters, and builds and runs at its shape. */
class PrimitiveTest {

    @Test
    void theBenchmarkTimesEveryPrimitive() throws NoSuchFieldException {
        String[] timed = PrimitiveBenchmark.class.getField("primitive").getAnnotation(Param.class).value();
        String[] all = Arrays.stream(Primitive.values()).map(Primitive::label).toArray(String[]::new);
        assertArrayEquals(all, timed);
    }

    @ParameterizedTest
    @EnumSource(Primitive.class)
    void buildsAndRunsAtItsShape(Primitive p) {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Ops ops = new Ops(store, Mode.EVAL);
        long[] sample = p.sampleShape();
        long[] shape = new long[sample.length + 1];
        shape[0] = -1;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        Tensor in = ops.placeholder("input", shape);
        Tensor y = p.create(Scope.root(store, 1)).apply(ops, in);
        CompiledGraph g = new CompiledGraph(ops, in, Map.of("y", y));
        shape[0] = 1;
        Nd4j.getRandom().setSeed(3);
        INDArray out = g.run(Nd4j.randn(DataType.FLOAT, shape), "y");
        assertEquals(1, out.size(0), p.label());
        assertTrue(out.length() > 0 && Double.isFinite(out.sumNumber().doubleValue()), p.label());
    }
}
