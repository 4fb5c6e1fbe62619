package dev.tokenmix.bench;

import dev.tokenmix.core.mixers.paca.ClusteringKind;
import dev.tokenmix.core.mixers.paca.PatchToClusterAttention;
import dev.tokenmix.core.params.ParameterStore;
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
 * PaCa-ViT's patch-to-cluster attention (arXiv 2203.11987; {@link PatchToClusterAttention} with its on-site
 * {@code P2CConv2d} clustering, kernel 7, M = 100 clusters as in {@code pacavit_*_p2cconv_100}) against plain global
 * multi-head self-attention (the same layer with M = 0: q, k, v and proj over all H*W tokens), at PaCa-ViT-Tiny's
 * stage widths and heads ({@code PacaVitVariants}): 96 channels / 2 heads at 56x56, 192 / 4 at 28x28, 320 / 8 at
 * 14x14. Only the token mixer is timed, not the norms, MLP or residuals of a block.
 *
 * <ul>
 *   <li>{@code forward}: eval-mode output {@code [batch, S*S, C]} of random tokens {@code [batch, S*S, C]};</li>
 *   <li>{@code forwardBackward}: forward in training mode, loss {@code mean(y^2)}, and the gradients of every
 *       parameter.</li>
 * </ul>
 *
 * <p>Graphs are built in the setup, not measured. Short iterations keep one full run near 5 minutes. Run with
 * {@code scripts/jmh.sh PacaAttentionBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 3, time = 3, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Xms1g", "-XX:+UseParallelGC",
        "-Dorg.bytedeco.javacpp.maxbytes=8G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=14G"})
public class PacaAttentionBenchmark extends GraphBenchmark {

    /** {@code paca} (M = 100, P2CConv2d clustering) or {@code attention} (M = 0). */
    @Param({"paca", "attention"})
    public String block;

    /** Side of the square grid: 56, 28 or 14 (width 96, 192, 320; heads 2, 4, 8). */
    @Param({"56", "28", "14"})
    public int size;

    @Param({"2"})
    public int batch;

    /** Clusters M of the {@code paca} block. */
    @Param({"100"})
    public int clusters;


    private PatchToClusterAttention build(ParameterStore store) {
        long dim;
        long heads;
        switch (size) {
            case 56 -> { dim = 96; heads = 2; }
            case 28 -> { dim = 192; heads = 4; }
            case 14 -> { dim = 320; heads = 8; }
            default -> throw new IllegalArgumentException("size must be 56, 28 or 14, got " + size);
        }
        boolean paca = switch (block) {
            case "paca" -> true;
            case "attention" -> false;
            default -> throw new IllegalArgumentException("block must be paca or attention, got " + block);
        };
        dev.tokenmix.core.params.Scope sc = dev.tokenmix.core.params.Scope.root(store, 1).child("attn");
        PatchToClusterAttention m = new PatchToClusterAttention(sc, dim, heads, paca ? clusters : 0,
                paca ? ClusteringKind.P2CCONV : null, 4.0, 7, 1e-6, 0.0, 0.0);
        Nd4j.getRandom().setSeed(42);
        x = Nd4j.randn(DataType.FLOAT, batch, (long) size * size, dim);
        return m;
    }

    @Setup
    public void setup() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        compile(store, build(store)::apply);
    }
}
