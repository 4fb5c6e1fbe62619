package dev.tokenmix.bench;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.stt.GlobalMixKind;
import dev.tokenmix.core.mixers.stt.SuperTokenGlobalMixing;
import dev.tokenmix.core.mixers.stt.SuperTokenWindowAttention;
import dev.tokenmix.core.mixers.stt.WindowLayout;
import dev.tokenmix.core.nn.Attention;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
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
 * STT's super-token token mixing (arXiv 2111.13156) against global multi-head self-attention as the token count
 * grows: {@code S x S} patch tokens of width 192 with 3 heads ({@code stt_t25_224}'s width), {@code S} = 14, 28, 56.
 *
 * <ul>
 *   <li>{@code super}: the patch tokens laid out as {@code M x M} windows with one learned super token each
 *       ({@link WindowLayout}, M = 7), {@link SuperTokenWindowAttention} in every window, then
 *       {@link SuperTokenGlobalMixing} (attention among the {@code (S/7)²} super tokens), and the patches back on the
 *       grid; cost {@code O(N·M²·C + (N/M²)²·C)};</li>
 *   <li>{@code attention}: timm's {@link Attention} over all {@code S²} tokens; cost {@code O(N²·C)}.</li>
 * </ul>
 *
 * <p>{@code forward}: eval-mode output of random tokens {@code [batch, S², 192]}; {@code forwardBackward}: forward
 * in training mode, loss {@code mean(y²)}, and the gradients of every parameter. Graphs are built in the setup, not
 * measured. Only the token mixer is timed (no norms or MLP). Run with
 * {@code scripts/jmh.sh SuperTokenAttentionBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 3, time = 3, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Xms1g", "-XX:+UseParallelGC",
        "-Dorg.bytedeco.javacpp.maxbytes=8G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=14G"})
public class SuperTokenAttentionBenchmark extends GraphBenchmark {
    private static final long DIM = 192;
    private static final long HEADS = 3;
    private static final int WINDOW = 7;

    /** {@code super} (windows with super tokens, global super-token mixing) or {@code attention} (global). */
    @Param({"super", "attention"})
    public String block;

    /** Side of the square token grid (a multiple of 7). */
    @Param({"14", "28", "56"})
    public int size;

    @Param({"2"})
    public int batch;


    private BiFunction<Ops, Tensor, Tensor> build(ParameterStore store) {
        if (size % WINDOW != 0) {
            throw new IllegalArgumentException("size must be a multiple of " + WINDOW + ", got " + size);
        }
        dev.tokenmix.core.params.Scope sc = dev.tokenmix.core.params.Scope.root(store, 1);
        Init w = Init.truncNormal(0.02);
        long s = size;
        BiFunction<Ops, Tensor, Tensor> body = switch (block) {
            case "super" -> {
                String learned = sc.parameter("super_tokens", Init.truncNormal(0.02), 1, (s / WINDOW) * (s / WINDOW), DIM);
                SuperTokenWindowAttention attn = new SuperTokenWindowAttention(sc.child("attn"), DIM, HEADS, WINDOW, true,
                        0, 0, w);
                SuperTokenGlobalMixing global = new SuperTokenGlobalMixing(sc.child("global"), DIM, HEADS, s / WINDOW,
                        s / WINDOW, GlobalMixKind.ATTENTION, 3, true, 1e-6, 0, 0);
                yield (ops, in) -> {
                    Tensor win = WindowLayout.toWindows(ops, in, s, s, WINDOW, ops.param(learned));
                    win = global.apply(ops, attn.apply(ops, win));
                    return WindowLayout.patchTokens(ops, win, s, s, WINDOW);
                };
            }
            case "attention" -> {
                Attention attn = new Attention(sc.child("attn"), DIM, HEADS, true, 0, 0, w);
                yield attn::apply;
            }
            default -> throw new IllegalArgumentException("block must be super or attention, got " + block);
        };
        Nd4j.getRandom().setSeed(42);
        x = Nd4j.randn(DataType.FLOAT, batch, s * s, DIM);
        return body;
    }

    @Setup
    public void setup() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        compile(store, build(store));
    }
}
