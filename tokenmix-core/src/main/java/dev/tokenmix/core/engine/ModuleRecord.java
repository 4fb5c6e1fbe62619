package dev.tokenmix.core.engine;

/**
 * One module call seen while a graph was built: its path, type and output shape. {@code tokenmix info}
 * prints these.
 *
 * @param path the module's dotted path (its parameter-key prefix)
 * @param type the module's class name
 * @param outputShape the output shape, batch written as B
 * @param depth nesting depth, 0 for top-level modules
 */
public record ModuleRecord(String path, String type, String outputShape, int depth) {
}
