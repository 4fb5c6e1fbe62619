package dev.tokenmix.core.params;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.nn.BatchNorm2d;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Linear;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The parameter store: keys in state_dict order, parameters vs buffers, counts. */
class ParameterStoreTest {

    @Test
    void parameterCountCountsParametersNotBuffers() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope s = Scope.root(store, 1);
        Conv2d.builder(s.child("stem.0"), 3, 8, 3).bias(false).build();
        new BatchNorm2d(s.child("stem.1"), 8);
        new Linear(s.child("head"), 8, 10, true);
        assertEquals(List.of("stem.0.weight", "stem.1.weight", "stem.1.bias", "stem.1.running_mean",
                "stem.1.running_var", "stem.1.num_batches_tracked", "head.weight", "head.bias"),
                store.entries().stream().map(Param::key).toList());
        assertEquals(8 * 3 * 9 + 8 + 8 + 80 + 10, store.parameterCount());
        assertEquals(List.of("stem.1.running_mean", "stem.1.running_var", "stem.1.num_batches_tracked"),
                store.buffers().stream().map(Param::key).toList());
        assertEquals(5, store.parameters().size());
        assertArrayEquals(new long[0], store.get("stem.1.num_batches_tracked").torchShape());
        assertEquals(16, store.parameterCount("stem.1"));
        assertEquals(8 * 3 * 9 + 16, store.parameterCount("stem"));
        assertEquals(store.parameterCount(), store.parameterCount(""));
    }

    @Test
    void prefixesStopAtDots() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope s = Scope.root(store, 1);
        new Linear(s.child("fc"), 2, 3, true);
        new Linear(s.child("fc2"), 2, 3, true);
        assertEquals(9, store.parameterCount("fc"));
        store.removePrefix("fc");
        assertEquals(List.of("fc2.weight", "fc2.bias"), store.entries().stream().map(Param::key).toList());
    }

    @Test
    void arraysAreLiveCastAndLookedUpByKey() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Param p = store.add("w", Nd4j.ones(DataType.DOUBLE, 2, 2), Param.Kind.PARAMETER, Layout.TORCH, new long[] {2, 2});
        assertEquals(DataType.FLOAT, p.array().dataType());
        assertSame(p.array(), store.array("w"));
        assertTrue(store.contains("w"));
        assertFalse(store.contains("v"));
        NoSuchElementException e = assertThrows(NoSuchElementException.class, () -> store.get("v"));
        assertTrue(e.getMessage().contains("'v'"));
        IllegalStateException dup = assertThrows(IllegalStateException.class,
                () -> store.add("w", Nd4j.ones(2), Param.Kind.BUFFER, Layout.TORCH, new long[] {2}));
        assertTrue(dup.getMessage().contains("'w'"));
        assertEquals(4, p.numel());
        assertEquals("w [2, 2]", p.toString());
    }
}
