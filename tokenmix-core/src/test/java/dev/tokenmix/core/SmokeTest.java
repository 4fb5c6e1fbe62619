package dev.tokenmix.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.tokenmix.core.engine.*;
import dev.tokenmix.core.nn.*;
import dev.tokenmix.core.params.*;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class SmokeTest {
    @Test
    void attentionBlockGradients() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Scope s = Scope.root(store, 1);
        LayerNorm ln = new LayerNorm(s.child("norm1"), 4, 1e-6);
        Attention attn = new Attention(s.child("attn"), 4, 2, true, 0.0, 0.0, Init.truncNormal(0.5));
        Mlp mlp = new Mlp(s.child("mlp"), 4, 8, 4, Activation.GELU, 0.1, Init.truncNormal(0.5), Init.normal(0.1));
        DropPath dp = new DropPath(s.child("dp"), 0.3);
        GradientCheck.Outcome o = GradientCheck.of(store, Mode.TRAIN, 2, 3, 4).check((ops, x) -> {
            Tensor h = ops.add(x, dp.apply(ops, attn.apply(ops, ln.apply(ops, x))));
            return ops.add(h, mlp.apply(ops, h));
        });
        assertTrue(o.passed());
    }

    @Test
    void batchNormConvGradients() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Scope s = Scope.root(store, 1);
        Conv2d c = Conv2d.builder(s.child("conv"), 2, 4, 3).stride(2).padding(1).build();
        BatchNorm2d bn = new BatchNorm2d(s.child("bn"), 4);
        Conv2d dw = Conv2d.builder(s.child("dw"), 4, 4, 3).padding(1).groups(4).build();
        GradientCheck.Outcome o = GradientCheck.of(store, Mode.TRAIN, 2, 2, 5, 5).check((ops, x) ->
                dw.apply(ops, bn.apply(ops, c.apply(ops, x))));
        assertTrue(o.passed());
    }
}
