package dev.tokenmix.train.schedule;

/**
 * Cosine learning-rate decay with a linear warm-up, per optimizer update, with timm's {@code CosineLRScheduler}
 * semantics (one cycle, no warm-up prefix, stepped on updates): for update {@code t} (from 0) of {@code total},
 *
 * <pre>
 *   t &lt; warmup:  lr = warmupLr + t (baseLr - warmupLr) / warmup
 *   t &lt; total:   lr = minLr + (baseLr - minLr) (1 + cos(pi t / total)) / 2
 *   otherwise:   lr = minLr
 * </pre>
 *
 * <p>The cosine runs over the whole run, warm-up included, as in timm, so it joins the warm-up slightly below
 * {@code baseLr}. {@code warmup} and {@code total} are {@code --warmup-epochs} and {@code --epochs} times the
 * updates per epoch (Loshchilov &amp; Hutter, SGDR, <a href="https://arxiv.org/abs/1608.03983">arXiv
 * 1608.03983</a>).
 *
 * @param baseLr the peak learning rate ({@code --lr})
 * @param minLr the floor ({@code --min-lr})
 * @param warmupLr the learning rate of update 0 ({@code --warmup-lr})
 * @param warmupSteps updates of linear warm-up, &gt;= 0
 * @param totalSteps updates of the whole run, &gt; 0
 */
public record CosineSchedule(double baseLr, double minLr, double warmupLr, long warmupSteps, long totalSteps)
        implements LrSchedule {

    public CosineSchedule {
        if (!(baseLr >= 0) || !(minLr >= 0) || !(warmupLr >= 0)) {
            throw new IllegalArgumentException("learning rates must be >= 0, got lr " + baseLr + ", min-lr " + minLr
                    + ", warmup-lr " + warmupLr);
        }
        if (warmupSteps < 0 || totalSteps <= 0) {
            throw new IllegalArgumentException("warm-up steps must be >= 0 and total steps > 0, got " + warmupSteps
                    + " and " + totalSteps);
        }
    }

    @Override
    public double lr(long t) {
        if (t < warmupSteps) {
            return warmupLr + t * (baseLr - warmupLr) / warmupSteps;
        }
        if (t >= totalSteps) {
            return minLr;
        }
        return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * t / totalSteps));
    }
}
