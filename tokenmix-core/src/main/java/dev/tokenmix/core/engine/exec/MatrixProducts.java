package dev.tokenmix.core.engine.exec;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;

/**
 * Matrix products for the plans: libnd4j's {@code matmul} bound to its arrays once, and batched products (attention's
 * {@code q k^T} and {@code a v}, forward and backward) as one bound 2-D product per matrix of the batch, the matrices
 * split over the kernel threads.
 *
 * <p>Why the batched route: libnd4j's batched {@code matmul} does not get faster with a second thread, and its
 * {@code matmul_bp} permutes and copies before multiplying. Per matrix, PaCa-ViT-Tiny's attention and clustering
 * products (3.8 to 30 M multiply-adds each) made its training step 2.5% faster with one thread and its inference
 * step 20% faster in these products with two. Each bound call costs about 15 microseconds, and on DeiT-Tiny's
 * attention (2.5 M per matrix) the per-matrix route measured slower inside the model with two threads (58 against
 * 47 ms for the attention products of an inference step), though a probe of the products alone favoured it; small
 * matrices (GLNet's slot attention, 0.13 M) are several times faster in libnd4j's own loop. Hence
 * {@link #MIN_MACS_PER_MATRIX}.
 */
final class MatrixProducts {
    /** Multiply-adds per matrix of a batch from which a bound call per matrix beats libnd4j's batched op. */
    static final long MIN_MACS_PER_MATRIX = 3L << 20;

    private static final DynamicCustomOp MATMUL = DynamicCustomOp.builder("matmul").build();

    private final OpExecutioner exec;
    private final ParallelRanges parallel;

    MatrixProducts(OpExecutioner exec, ParallelRanges parallel) {
        this.exec = exec;
        this.parallel = parallel;
    }

    /**
     * {@code out = op(a) op(b) + beta out} with libnd4j's {@code matmul} bound to the arrays once: measured a little
     * faster per call than {@code Nd4j.gemm}, which the plans call thousands of times per step.
     */
    OpContext bind(INDArray a, INDArray b, INDArray out, boolean transposeA, boolean transposeB, double beta) {
        OpContext oc = exec.buildContext();
        oc.setInputArrays(a, b);
        oc.setOutputArrays(out);
        oc.setIArguments(transposeA ? 1 : 0, transposeB ? 1 : 0);
        oc.setTArguments(1.0, beta);
        return oc;
    }

    /** Runs a product bound by {@link #bind}. */
    void run(OpContext product) {
        exec.exec(MATMUL, product);
    }

    /**
     * Whether {@code op(a) op(b)} is a batched product worth one call per matrix: dense float operands of equal rank
     * above 2 with equal leading axes, and matrices of at least {@link #MIN_MACS_PER_MATRIX} multiply-adds.
     */
    static boolean splits(INDArray a, INDArray b, boolean transposeA, boolean transposeB) {
        int r = a.rank();
        if (r < 3 || b.rank() != r || !FloatKernels.dense(a) || !FloatKernels.dense(b)) {
            return false;
        }
        for (int i = 0; i < r - 2; i++) {
            if (a.size(i) != b.size(i)) {
                return false;
            }
        }
        long m = a.size(transposeA ? r - 1 : r - 2);
        long k = a.size(transposeA ? r - 2 : r - 1);
        long n = b.size(transposeB ? r - 2 : r - 1);
        return m * k * n >= MIN_MACS_PER_MATRIX;
    }

    /** {@code out[i] = op(a[i]) op(b[i])} for every matrix {@code i} of the leading axes; {@code out} dense. */
    Runnable batched(INDArray a, INDArray b, INDArray out, boolean transposeA, boolean transposeB) {
        INDArray[] as = matrices(a);
        INDArray[] bs = matrices(b);
        INDArray[] outs = matrices(out);
        List<OpContext> products = new ArrayList<>();
        for (int i = 0; i < as.length; i++) {
            products.add(bind(as[i], bs[i], outs[i], transposeA, transposeB, 0.0));
        }
        return split(products);
    }

    /**
     * The backward of {@code c = op(a) op(b)} per matrix: {@code da} and {@code db} from {@code dc}, all dense. With
     * {@code op(a) = A} and {@code op(b) = B}: {@code dA = dC B^T} and {@code dB = A^T dC}, transposed back where the
     * forward transposed.
     */
    Runnable batchedBackward(INDArray a, INDArray b, INDArray dc, INDArray da, INDArray db, boolean transposeA,
                             boolean transposeB) {
        INDArray[] as = matrices(a);
        INDArray[] bs = matrices(b);
        INDArray[] dcs = matrices(dc);
        INDArray[] das = matrices(da);
        INDArray[] dbs = matrices(db);
        List<OpContext> products = new ArrayList<>();
        for (int i = 0; i < as.length; i++) {
            products.addAll(List.of(backwardProducts(as[i], bs[i], dcs[i], das[i], dbs[i], transposeA, transposeB)));
        }
        return split(products);
    }

    /**
     * The backward of one 2-D product {@code c = op(a) op(b)} as its two products, one after the other, each on all
     * of the BLAS's threads: libnd4j's {@code matmul_bp} was up to 40% slower than these two products on GLNet's
     * channels-last 1x1 convolutions ({@code [1568, 768] x [768, 256]}: 15.3 against 11.0 ms, probe).
     */
    Runnable backward(INDArray a, INDArray b, INDArray dc, INDArray da, INDArray db, boolean transposeA,
                      boolean transposeB) {
        OpContext[] pair = backwardProducts(a, b, dc, da, db, transposeA, transposeB);
        return () -> {
            for (OpContext product : pair) {
                exec.exec(MATMUL, product);
            }
        };
    }

    /**
     * {@code da} and {@code db} of one matrix, bound: see {@link #batchedBackward}. A null {@code da} or {@code db}
     * (a gradient nothing reads, such as an image's) is not computed.
     */
    private OpContext[] backwardProducts(INDArray a, INDArray b, INDArray dc, INDArray da, INDArray db,
                                         boolean transposeA, boolean transposeB) {
        List<OpContext> products = new ArrayList<>(2);
        if (da != null) {
            // da = dC B^T, or its transpose B dC^T where the forward read a transposed
            products.add(transposeA ? bind(b, dc, da, transposeB, true, 0.0)
                    : bind(dc, b, da, false, !transposeB, 0.0));
        }
        if (db != null) {
            // db = A^T dC, or its transpose dC^T A where the forward read b transposed
            products.add(transposeB ? bind(dc, a, db, true, transposeA, 0.0)
                    : bind(a, dc, db, !transposeA, false, 0.0));
        }
        return products.toArray(new OpContext[0]);
    }

    private Runnable split(List<OpContext> products) {
        OpContext[] all = products.toArray(new OpContext[0]);
        return () -> parallel.forTasks(all.length, (from, end) -> {
            for (int i = from; i < end; i++) {
                exec.exec(MATMUL, all[i]);
            }
        });
    }

    /** The matrices of dense {@code x} over its leading axes, as views. */
    private static INDArray[] matrices(INDArray x) {
        int r = x.rank();
        long count = x.length() / (x.size(r - 2) * x.size(r - 1));
        INDArray all = x.reshape('c', count, x.size(r - 2), x.size(r - 1)); // [batch..., R, C] -> [count, R, C]
        INDArray[] each = new INDArray[Math.toIntExact(count)];
        for (int i = 0; i < each.length; i++) {
            each[i] = all.slice(i);
        }
        return each;
    }
}
