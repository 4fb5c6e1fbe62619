package dev.tokenmix.train.loop;

import dev.tokenmix.models.Model;
import dev.tokenmix.train.data.Batch;
import java.util.Iterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Eval-mode accuracy of a model over a dataset, as timm's {@code validate}: mean cross-entropy against the hard
 * labels, top-1 and top-5 accuracy in percent (top-k with k capped at the number of classes).
 */
public final class Evaluator {
    private Evaluator() {
    }

    /**
     * Eval metrics.
     *
     * @param loss mean cross-entropy
     * @param top1 percent
     * @param top5 percent
     * @param samples images evaluated
     */
    public record Metrics(double loss, double top1, double top5, long samples) {
    }

    /** Evaluates {@code model} on every batch of {@code batches}. */
    public static Metrics evaluate(Model model, Iterator<Batch> batches) {
        double lossSum = 0;
        long correct1 = 0;
        long correct5 = 0;
        long n = 0;
        while (batches.hasNext()) {
            Batch b = batches.next();
            INDArray logits = model.forward(b.images()).castTo(DataType.DOUBLE);
            double[][] z = logits.toDoubleMatrix();
            for (int i = 0; i < z.length; i++) {
                int label = b.labels()[i];
                lossSum += crossEntropy(z[i], label);
                int rank = rankOf(z[i], label);
                if (rank < 1) {
                    correct1++;
                }
                if (rank < 5) {
                    correct5++;
                }
                n++;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("the evaluation set is empty");
        }
        return new Metrics(lossSum / n, 100.0 * correct1 / n, 100.0 * correct5 / n, n);
    }

    /** {@code -log softmax(z)[label]}, stable. */
    static double crossEntropy(double[] z, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        return Math.log(sum) + max - z[label];
    }

    /** How many classes score strictly higher than {@code label} (0: top-1); ties count in the label's favour. */
    static int rankOf(double[] z, int label) {
        int higher = 0;
        for (int c = 0; c < z.length; c++) {
            if (z[c] > z[label]) {
                higher++;
            }
        }
        return higher;
    }
}
