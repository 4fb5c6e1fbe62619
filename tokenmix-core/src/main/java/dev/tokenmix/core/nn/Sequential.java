package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Scope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiFunction;

/**
 * PyTorch's {@code nn.Sequential}: children keyed {@code 0, 1, ...} under this module's path, applied in order.
 *
 * <pre>{@code
 * Sequential stem = new Sequential(scope.child("stem"), 2, (s, i) -> i == 0
 *         ? Conv2d.builder(s, 3, 32, 3).stride(2).padding(1).build()
 *         : new BatchNorm2d(s, 32));
 * }</pre>
 */
public final class Sequential extends Module {
    private final List<Module> children;

    /** Creates {@code n} children; the factory receives each child's scope and index. */
    public Sequential(Scope scope, int n, BiFunction<Scope, Integer, Module> factory) {
        super(scope);
        List<Module> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(factory.apply(scope.child(i), i));
        }
        this.children = Collections.unmodifiableList(list);
    }

    public List<Module> children() {
        return children;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        Tensor y = x;
        for (Module m : children) {
            y = m.apply(ops, y);
        }
        return y;
    }
}
