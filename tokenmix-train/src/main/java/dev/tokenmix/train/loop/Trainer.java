package dev.tokenmix.train.loop;

import dev.tokenmix.core.engine.TrainingStep;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.weights.ModelFiles;
import dev.tokenmix.train.checkpoint.TrainCheckpoint;
import dev.tokenmix.train.data.Batch;
import dev.tokenmix.train.optim.AdamW;
import dev.tokenmix.train.optim.GradientClipping;
import dev.tokenmix.train.optim.ModelEma;
import dev.tokenmix.train.optim.Optimizer;
import dev.tokenmix.train.optim.Sgd;
import dev.tokenmix.train.optim.WeightDecayRule;
import dev.tokenmix.train.schedule.CosineSchedule;
import dev.tokenmix.train.schedule.LrSchedule;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop of timm's {@code train.py} on the manual gradient path: per batch one {@link TrainingStep}
 * (loss and gradients, BatchNorm statistics), gradients averaged over {@code --grad-accum-steps} batches, clipped
 * by global norm, then one optimizer update at the scheduled learning rate and one EMA update. After each epoch:
 * evaluation (with the EMA weights when kept), a row of {@code summary.csv}, the best weights in {@code best/}
 * (a saved model directory) and the resume checkpoint {@code last.safetensors}, in that order, so that a crash
 * between any two writes resumes into the same result.
 *
 * <p>Repeatable: the weights come from the model's seed, the data of an epoch from the sources' seed and the epoch,
 * and the dropout/DropPath masks of a step are seeded from (seed, epoch, step). A run resumed from its checkpoint
 * therefore ends with the same weights, bit for bit, as a run that was never interrupted.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final Model model;
    private final ModelEma ema;
    private final BatchSource train;
    private final BatchSource eval;
    private final TrainArgs args;
    private final Path runDir;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final long updatesPerEpoch;

    /**
     * @param model the model to train (its classifier sized for the data)
     * @param emaModel a second model of the same variant and options for the EMA weights, or null when
     *     {@code args.modelEma} is off
     * @param train training batches
     * @param eval evaluation batches (their targets are ignored)
     * @param args the settings (validated here)
     * @param runDir the run folder
     */
    public Trainer(Model model, Supplier<Model> emaModel, BatchSource train, BatchSource eval, TrainArgs args,
                   Path runDir) {
        args.validate();
        if (train.numClasses() != model.numClasses()) {
            throw new IllegalArgumentException("the data has " + train.numClasses() + " classes but the model "
                    + model.numClasses());
        }
        if (train.batchesPerEpoch() < 1) {
            throw new IllegalArgumentException("the training set gives no batch; add images or lower --batch-size");
        }
        this.model = model;
        this.ema = args.modelEma ? new ModelEma(model, emaModel.get(), args.modelEmaDecay) : null;
        this.train = train;
        this.eval = eval;
        this.args = args;
        this.runDir = runDir;
        this.optimizer = optimizer(model, args);
        this.updatesPerEpoch = (train.batchesPerEpoch() + args.gradAccumSteps - 1) / args.gradAccumSteps;
        long total = updatesPerEpoch * args.epochs;
        this.schedule = args.sched.equals("cosine")
                ? new CosineSchedule(args.lr, args.minLr, args.warmupLr,
                Math.round(args.warmupEpochs * updatesPerEpoch), total)
                : LrSchedule.constant(args.lr);
    }

    /** The optimizer {@code args.opt} names, with timm's weight-decay exclusions for {@code model}. */
    public static Optimizer optimizer(Model model, TrainArgs args) {
        WeightDecayRule rule = WeightDecayRule.of(model.noWeightDecay());
        return switch (args.opt) {
            case "adamw" -> new AdamW(model.parameters(), args.lr, args.optBetas[0], args.optBetas[1], args.optEps,
                    args.weightDecay, rule);
            case "sgd", "nesterov" -> new Sgd(model.parameters(), args.lr, args.momentum, true, args.weightDecay, rule);
            case "momentum" -> new Sgd(model.parameters(), args.lr, args.momentum, false, args.weightDecay, rule);
            default -> throw new IllegalArgumentException("--opt must be adamw, sgd, momentum or nesterov, got '"
                    + args.opt + "'");
        };
    }

    /**
     * The outcome of a run.
     *
     * @param rows every epoch's summary row
     * @param bestTop1 best eval top-1 (percent)
     * @param bestEpoch its epoch, from 1
     */
    public record Result(List<Summary.Row> rows, double bestTop1, int bestEpoch) {
    }

    /**
     * Trains from the start, or from {@code resume} (a checkpoint file; null to start afresh) to {@code args.epochs}.
     *
     * @throws TrainingDivergedException when a loss is NaN or infinite
     */
    public Result run(Path resume) {
        TrainCheckpoint.Position pos;
        Summary summary;
        if (resume != null) {
            pos = TrainCheckpoint.restore(resume, model, ema == null ? null : ema.model(), optimizer);
            if (pos.seed() != args.seed) {
                throw new IllegalArgumentException(resume + " was written with --seed " + pos.seed() + ", not "
                        + args.seed + "; resume with the run's own seed");
            }
            summary = Summary.resume(runDir, pos.epochsDone());
            LOG.info("resumed {} after epoch {} ({} updates, best top-1 {})", resume, pos.epochsDone(), pos.updates(),
                    pos.bestTop1());
        } else {
            pos = new TrainCheckpoint.Position(1, model.name(), 0, 0, -1, 0, args.seed, args.opt);
            summary = Summary.create(runDir);
        }
        long updates = pos.updates();
        double bestTop1 = pos.bestTop1();
        int bestEpoch = pos.bestEpoch();
        for (int epoch = pos.epochsDone(); epoch < args.epochs; epoch++) {
            EpochResult r = trainEpoch(epoch, updates);
            updates = r.updates;
            Model evalModel = ema == null ? model : ema.model();
            long t0 = System.nanoTime();
            Evaluator.Metrics m = Evaluator.evaluate(evalModel, eval.batches(0));
            LOG.info(String.format(Locale.ROOT, "epoch %d/%d eval%s: loss %.4f top-1 %.2f%% top-5 %.2f%% (%d images, "
                            + "%.1f s)", epoch + 1, args.epochs, ema == null ? "" : " (EMA)", m.loss(), m.top1(),
                    m.top5(), m.samples(), (System.nanoTime() - t0) / 1e9));
            summary.add(new Summary.Row(epoch + 1, r.meanLoss, m.loss(), m.top1(), m.top5(), r.lastLr));
            if (m.top1() > bestTop1) {
                bestTop1 = m.top1();
                bestEpoch = epoch + 1;
                ModelFiles.save(evalModel, runDir.resolve("best"));
            }
            TrainCheckpoint.save(runDir.resolve(TrainCheckpoint.FILE), new TrainCheckpoint.Position(1, model.name(),
                    epoch + 1, updates, bestTop1, bestEpoch, args.seed, args.opt), model,
                    ema == null ? null : ema.model(), optimizer);
        }
        return new Result(summary.rows(), bestTop1, bestEpoch);
    }

    private record EpochResult(long updates, double meanLoss, double lastLr) {
    }

    private EpochResult trainEpoch(int epoch, long startUpdates) {
        long batches = train.batchesPerEpoch();
        Iterator<Batch> it = train.batches(epoch);
        ProgressBar bar = new ProgressBar(System.err);
        Map<String, INDArray> acc = new LinkedHashMap<>();
        int inGroup = 0;
        long updates = startUpdates;
        double lossSum = 0;
        long steps = 0;
        double lastLr = optimizer.learningRate();
        long seen = 0;
        long waitNs = 0;
        long start = System.nanoTime();
        long windowStart = start;
        long windowWait = 0;
        long windowSamples = 0;
        double windowLoss = 0;
        int windowSteps = 0;
        for (long step = 0; ; step++) {
            long w0 = System.nanoTime();
            if (!it.hasNext()) {
                break;
            }
            Batch b = it.next();
            long waited = System.nanoTime() - w0;
            waitNs += waited;
            windowWait += waited;
            long[] s = b.images().shape();
            TrainingStep ts = model.trainingStep(s[2], s[3]);
            ts.seedMasks(maskSeed(args.seed, epoch, step));
            // the gradients are the step's own buffers: added to the accumulator at once, before the next run
            TrainingStep.Result res = ts.runInPlace(Model.trainingInputs(b.images(), b.targets()));
            if (!Double.isFinite(res.loss())) {
                bar.finish();
                throw new TrainingDivergedException(epoch + 1, step, res.loss());
            }
            for (Map.Entry<String, INDArray> e : res.gradients().entrySet()) {
                INDArray g = acc.get(e.getKey());
                if (g == null) {
                    acc.put(e.getKey(), e.getValue().dup());
                } else {
                    g.addi(e.getValue());
                }
            }
            inGroup++;
            steps++;
            lossSum += res.loss();
            windowLoss += res.loss();
            windowSteps++;
            seen += s[0];
            windowSamples += s[0];
            boolean last = step == batches - 1 || !it.hasNext();
            if (inGroup == args.gradAccumSteps || last) {
                if (inGroup > 1) {
                    for (INDArray g : acc.values()) {
                        g.divi(inGroup);
                    }
                }
                if (args.clipGrad != null) {
                    GradientClipping.clipGlobalNorm(acc, args.clipGrad);
                }
                lastLr = schedule.lr(updates);
                optimizer.setLearningRate(lastLr);
                optimizer.step(acc);
                if (ema != null) {
                    ema.update();
                }
                updates++;
                acc = new LinkedHashMap<>();
                inGroup = 0;
                if (updates % args.logInterval == 0 || last) {
                    long now = System.nanoTime();
                    double secs = (now - windowStart) / 1e9;
                    LOG.info(String.format(Locale.ROOT, "epoch %d/%d step %d/%d loss %.4f lr %.3e %.1f samples/s "
                                    + "data wait %.0f%%", epoch + 1, args.epochs, step + 1, batches,
                            windowLoss / windowSteps, lastLr, windowSamples / Math.max(secs, 1e-9),
                            100.0 * windowWait / Math.max(1, now - windowStart)));
                    windowStart = now;
                    windowWait = 0;
                    windowSamples = 0;
                    windowLoss = 0;
                    windowSteps = 0;
                }
            }
            bar.update(epoch + 1, step + 1, batches, res.loss());
        }
        bar.finish();
        double secs = (System.nanoTime() - start) / 1e9;
        LOG.info(String.format(Locale.ROOT, "epoch %d/%d trained: %d images in %.1f s (%.1f samples/s, data wait %.0f%%)",
                epoch + 1, args.epochs, seen, secs, seen / Math.max(secs, 1e-9),
                100.0 * waitNs / Math.max(1, System.nanoTime() - start)));
        return new EpochResult(updates, lossSum / Math.max(1, steps), lastLr);
    }

    /** The mask seed of one step: a mix of the run's seed, the epoch and the step, the same on every resume. */
    static long maskSeed(long seed, int epoch, long step) {
        return new SplittableRandom(seed).split().nextLong() ^ new SplittableRandom(epoch * 1_000_003L + step)
                .nextLong();
    }

    /** The run folder. */
    public Path runDir() {
        return runDir;
    }
}
