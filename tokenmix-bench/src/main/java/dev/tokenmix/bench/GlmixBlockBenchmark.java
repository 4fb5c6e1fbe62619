package dev.tokenmix.bench;

import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.models.glnet.GlmixBlock;
import dev.tokenmix.models.glnet.GlnetConfig;
import dev.tokenmix.models.glnet.GlnetVariants;
import dev.tokenmix.models.glnet.MhsaNchwBlock;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One GLMix block (arXiv 2411.14429: soft clustering into 64 slots, slot attention, dispatching, local depthwise
 * branch, FFN) against one plain global self-attention block (GLNet's {@code MHSA_NCHW_Block}: the same CPE and
 * FFN, multi-head attention over all H*W tokens), at glnet_4g's stage widths: 64 channels at 56x56, 128 at 28x28,
 * 256 at 14x14.
 *
 * <ul>
 *   <li>{@code forward}: eval-mode output of a random {@code [batch, C, S, S]} map;</li>
 *   <li>{@code forwardBackward}: forward in training mode, loss {@code mean(y^2)}, and the gradients of every
 *       parameter.</li>
 * </ul>
 *
 * <p>Graphs are built in the setup, not measured. Run with {@code scripts/jmh.sh GlmixBlockBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 3, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Xms1g", "-XX:+UseParallelGC",
        "-Dorg.bytedeco.javacpp.maxbytes=8G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=14G"})
public class GlmixBlockBenchmark extends GraphBenchmark {

    /** {@code glmix} or {@code attention}. */
    @Param({"glmix", "attention"})
    public String block;

    /** Side of the square map: 56, 28 or 14 (width 64, 128, 256). */
    @Param({"56", "28", "14"})
    public int size;

    @Param({"4"})
    public int batch;


    private Module build(ParameterStore store) {
        GlnetConfig cfg = (GlnetConfig) GlnetVariants.variant("glnet_4g").config();
        int dim = switch (size) {
            case 56 -> 64;
            case 28 -> 128;
            case 14 -> 256;
            default -> throw new IllegalArgumentException("size must be 56, 28 or 14, got " + size);
        };
        dev.tokenmix.core.params.Scope sc = dev.tokenmix.core.params.Scope.root(store, 1).child("block");
        Module m = block.equals("glmix") ? new GlmixBlock(sc, cfg, dim, 0.0) : new MhsaNchwBlock(sc, cfg, dim, 0.0);
        Nd4j.getRandom().setSeed(42);
        x = Nd4j.randn(DataType.FLOAT, batch, dim, size, size);
        return m;
    }

    @Setup
    public void setup() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        compile(store, build(store)::apply);
    }
}
