package dev.tokenmix.core.engine;

import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.config.SDValue;
import org.nd4j.autodiff.samediff.internal.AbstractSession;
import org.nd4j.autodiff.samediff.internal.FrameIter;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;

/**
 * An inference session that gives every random op (dropout and DropPath masks) new generator states on every
 * execution.
 *
 * <p>Why: the training step runs the gradient function through {@code output()}, whose session keeps one op
 * context per op for its lifetime, and ND4J 1.0.0-M2.1 never re-seeds a context's generator: every step drew the
 * same dropout mask, so dropout became a fixed sparse mask instead of a regulariser. Seeding from a generator of our
 * own keeps the sequence of masks repeatable for a given seed.
 */
final class FreshRandomSession extends InferenceSession {
    private SplittableRandom random;

    FreshRandomSession(SameDiff sameDiff, long seed) {
        super(sameDiff);
        this.random = new SplittableRandom(seed);
    }

    /** Restarts the sequence of generator states, so that the next executions draw the masks of {@code seed}. */
    void reseed(long seed) {
        this.random = new SplittableRandom(seed);
    }

    @Override
    public Pair<SameDiffOp, OpContext> getAndParameterizeOp(String opName, FrameIter frameIter,
                                                            Set<AbstractSession.VarId> opInputs,
                                                            Set<AbstractSession.VarId> allIterInputs,
                                                            Set<String> constAndPhInputs,
                                                            Map<String, INDArray> placeholderValues,
                                                            Set<String> allReqVariables,
                                                            Map<String, SDValue> otherPlaceholders) {
        Pair<SameDiffOp, OpContext> p = super.getAndParameterizeOp(opName, frameIter, opInputs, allIterInputs,
                constAndPhInputs, placeholderValues, allReqVariables, otherPlaceholders);
        if (isRandom(p.getFirst().getOp()) && p.getSecond() != null) {
            p.getSecond().setRngStates(random.nextLong(), random.nextLong());
        }
        return p;
    }

    private static boolean isRandom(DifferentialFunction op) {
        return op != null && op.getClass().getPackageName().startsWith("org.nd4j.linalg.api.ops.random");
    }
}
