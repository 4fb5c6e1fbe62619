package dev.tokenmix.core.engine.exec;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;

/**
 * The fusions a gradient function can use, derived from those the op facade recorded on its forward graph.
 *
 * <p>SameDiff differentiates exact GELU and LayerNorm op by op: their backward is a dozen element-wise ops that
 * read the forward's intermediate values, and in a DeiT-Tiny training step those ops took about a third of the
 * time outside the matrix products. Where the ops a GELU or LayerNorm fusion stands for form a closed region of the
 * forward graph (nothing outside reads their intermediate values, and the region's inputs are read only inside
 * it), every gradient op between the gradient of the region's output and those of its inputs is SameDiff's
 * differentiation of that region alone. Such a region gets a backward fusion recorded under the gradients it
 * writes, and keeps its forward fusion, since no backward op reads its intermediate values any more. The plan
 * executor then never visits the ops in between. Regions that are not closed keep SameDiff's ops.
 */
public final class GradientFusions {
    /** More ops than this is not a GELU or LayerNorm region: the walk left it through a missing boundary. */
    private static final int MAX_REGION_OPS = 24;

    private GradientFusions() {
    }

    /**
     * The fusions for the gradient function of {@code sd}: those that save work in any gradient graph (see
     * {@link Fusion#savesWorkWithGradients()}), and GELU and LayerNorm with their backward where their region is
     * closed.
     *
     * @param sd the forward graph, after {@code createGradFunction()}
     * @param forward the fusions recorded on it, by the variable they produce
     * @return fusions by variable, for a {@link PlanExecutor} of the gradient function
     */
    public static Map<String, Fusion> of(SameDiff sd, Map<String, Fusion> forward) {
        Map<String, Fusion> out = new HashMap<>();
        forward.forEach((y, f) -> {
            if (f.savesWorkWithGradients()) {
                out.put(y, f);
                return;
            }
            Fusion backward = backward(sd, y, f);
            if (backward != null) {
                out.put(y, f);
                for (String g : backward.outputs(null)) {
                    out.put(g, backward);
                }
            }
        });
        return out;
    }

    private static Fusion backward(SameDiff sd, String y, Fusion f) {
        if (f instanceof Fusion.Gelu gelu) {
            if (!closedRegion(sd, y, Set.of(gelu.x()))) {
                return null;
            }
            String dy = gradient(sd, y);
            String dx = gradient(sd, gelu.x());
            return dy == null || dx == null ? null : new Fusion.GeluBackward(gelu.x(), dy, dx);
        }
        if (f instanceof Fusion.LayerNorm ln) {
            Set<String> leaves = new HashSet<>(ln.inputs());
            if (!closedRegion(sd, y, leaves)) {
                return null;
            }
            String dy = gradient(sd, y);
            String dx = gradient(sd, ln.x());
            if (dy == null || dx == null) {
                return null;
            }
            String dw = ln.weight() == null ? null : gradient(sd, ln.weight());
            String db = ln.bias() == null ? null : gradient(sd, ln.bias());
            return new Fusion.LayerNormBackward(ln.x(), ln.weight(), ln.eps(), ln.axis(), dy, dx, dw, db);
        }
        return null;
    }

    /**
     * Whether the ops between {@code leaves} and {@code y} (walking back from {@code y}, stopping at the leaves and
     * at constants) are read only among themselves, apart from {@code y}, and the leaves only by them.
     */
    static boolean closedRegion(SameDiff sd, String y, Set<String> leaves) {
        Set<String> ops = new HashSet<>();
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(y));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (leaves.contains(v) || !seen.add(v)) {
                continue;
            }
            Variable var = sd.getVariables().get(v);
            if (var == null) {
                return false;
            }
            VariableType t = var.getVariable().getVariableType();
            if (t == VariableType.CONSTANT) {
                continue;
            }
            if (t != VariableType.ARRAY || var.getOutputOfOp() == null) {
                return false; // a parameter or placeholder the fusion does not name
            }
            SameDiffOp op = sd.getOps().get(var.getOutputOfOp());
            if (op == null) {
                return false;
            }
            ops.add(op.getName());
            if (ops.size() > MAX_REGION_OPS) {
                return false;
            }
            if (op.getInputsToOp() != null) {
                todo.addAll(op.getInputsToOp());
            }
        }
        for (String name : ops) {
            for (String o : sd.getOps().get(name).getOutputsOfOp()) {
                if (!o.equals(y) && !readOnlyBy(sd, o, ops)) {
                    return false;
                }
            }
        }
        for (String leaf : leaves) {
            if (!readOnlyBy(sd, leaf, ops)) {
                return false;
            }
        }
        return true;
    }

    private static boolean readOnlyBy(SameDiff sd, String var, Set<String> ops) {
        List<String> readers = sd.getVariables().get(var).getInputsForOp();
        return readers == null || ops.containsAll(readers);
    }

    private static String gradient(SameDiff sd, String var) {
        SDVariable g = sd.getVariable(var).getGradient();
        return g == null ? null : g.name();
    }
}
