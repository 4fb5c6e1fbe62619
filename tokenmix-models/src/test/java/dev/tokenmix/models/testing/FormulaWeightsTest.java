package dev.tokenmix.models.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The Java formula reproduces shared/fixtures/parity/formula.py bit for bit (values printed by numpy). */
class FormulaWeightsTest {
    @Test
    void matchesTheNumpyFormula() {
        assertArrayEquals(new float[] {0.8123881816864014f, -0.24388304352760315f, -0.8489870429039001f,
            -0.31960800290107727f, -0.4292905628681183f, -0.9347938299179077f},
                FormulaWeights.tensor("blocks.0.attn.qkv.weight", new long[] {3, 2}));
        assertArrayEquals(new float[] {0.005068776663392782f, 0.013199941255152225f, 0.009935678914189339f},
                FormulaWeights.tensor("norm.bias", new long[] {3}));
        assertArrayEquals(new float[] {1.3016211986541748f, 1.371562123298645f},
                FormulaWeights.tensor("x.running_var", new long[] {2}));
        assertArrayEquals(new float[] {1.062589168548584f, 0.9698710441589355f},
                FormulaWeights.tensor("norm.weight", new long[] {2}));
        float[] in = FormulaWeights.input(1, 2);
        assertArrayEquals(new float[] {0.9951142072677612f, -0.8733958005905151f, 0.9775380492210388f,
            -0.35699906945228577f}, new float[] {in[0], in[1], in[2], in[3]});
    }
}
