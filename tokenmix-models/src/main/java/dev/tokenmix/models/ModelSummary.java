package dev.tokenmix.models;

import dev.tokenmix.core.engine.ModuleRecord;
import dev.tokenmix.core.engine.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The modules of a built graph with their output shapes, parameters and multiply-adds (at batch 1), as
 * {@code tokenmix info} prints them. Parameters and MACs of a module include its children's.
 *
 * @param model the model's registered name
 * @param height input height
 * @param width input width
 * @param rows one row per module call, in build order
 * @param totalParams exact trainable parameter count
 * @param totalMacs multiply-adds of convolutions, linear layers and matrix products at batch 1
 */
public record ModelSummary(String model, long height, long width, List<Row> rows, long totalParams, long totalMacs) {

    /**
     * One module.
     *
     * @param path module path (parameter-key prefix)
     * @param type class name
     * @param depth nesting depth (0 = top level)
     * @param outputShape output shape, batch written B
     * @param params trainable parameters under this path
     * @param macs multiply-adds inside this module
     */
    public record Row(String path, String type, int depth, String outputShape, long params, long macs) {
    }

    static ModelSummary of(Model m, Ops ops, long h, long w) {
        Map<String, Long> macs = ops.macsByModule();
        List<Row> rows = new ArrayList<>();
        for (ModuleRecord r : ops.moduleRecords()) {
            long mac = 0;
            for (Map.Entry<String, Long> e : macs.entrySet()) {
                if (e.getKey().equals(r.path()) || e.getKey().startsWith(r.path() + ".")) {
                    mac += e.getValue();
                }
            }
            rows.add(new Row(r.path(), r.type(), r.depth(), r.outputShape(), m.parameters().parameterCount(r.path()), mac));
        }
        return new ModelSummary(m.name(), h, w, List.copyOf(rows), m.parameterCount(), ops.totalMacs());
    }
}
