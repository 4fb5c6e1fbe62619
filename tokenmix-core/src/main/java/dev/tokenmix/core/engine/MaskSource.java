package dev.tokenmix.core.engine;

import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.random.custom.RandomBernoulli;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where dropout and DropPath get their keep masks. The default draws a new Bernoulli mask inside the graph on
 * every training execution (SameDiff reuses the forward mask in the backward pass). Gradient checks need the
 * same mask on every execution, which {@link #fixed(long, long)} provides.
 */
public interface MaskSource {

    /**
     * A 0/1 mask of {@code x}'s shape, or of shape {@code [B, 1, ..., 1]} when {@code perSample}, with keep
     * probability {@code keep}, in {@code x}'s data type.
     */
    SDVariable mask(SameDiff sd, Tensor x, boolean perSample, double keep);

    /** In-graph Bernoulli masks, fresh on every training execution. */
    static MaskSource random() {
        return (sd, x, perSample, keep) -> {
            SDVariable shape = x.var().shape();
            if (perSample) {
                long[] ones = new long[x.rank() - 1];
                java.util.Arrays.fill(ones, 1L);
                shape = sd.concat(0, shape.get(SDIndex.interval(0, 1)), sd.constant(Nd4j.createFromArray(ones)));
            }
            SDVariable m = new RandomBernoulli(sd, shape, keep).outputVariable();
            return m.castTo(x.var().dataType());
        };
    }

    /**
     * Masks drawn once, in Java, for a known batch size: identical on every execution, for numerical gradient
     * checks of the training path.
     */
    static MaskSource fixed(long batch, long seed) {
        return (sd, x, perSample, keep) -> {
            long[] s = x.shape();
            if (s[0] != -1) {
                throw new IllegalArgumentException("fixed masks need a batch-leading tensor, got " + x.shapeString());
            }
            s[0] = batch;
            if (perSample) {
                for (int i = 1; i < s.length; i++) {
                    s[i] = 1;
                }
            }
            long n = 1;
            for (long d : s) {
                n *= d;
            }
            SplittableRandom r = new SplittableRandom(seed + n);
            double[] v = new double[Math.toIntExact(n)];
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextDouble() < keep ? 1.0 : 0.0;
            }
            DataType dt = x.var().dataType();
            return sd.constant(Nd4j.createFromArray(v).castTo(dt).reshape(s));
        };
    }
}
