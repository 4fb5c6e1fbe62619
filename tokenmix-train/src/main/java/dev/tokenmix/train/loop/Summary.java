package dev.tokenmix.train.loop;

import dev.tokenmix.train.checkpoint.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The run's {@code summary.csv}, one row per finished epoch: {@code epoch,train_loss,eval_loss,eval_top1,
 * eval_top5,lr} (timm's columns; accuracies in percent, {@code lr} that of the epoch's last update). Rewritten
 * atomically after each epoch; on resume the rows after the checkpoint's epoch are dropped, so every epoch appears
 * once.
 */
public final class Summary {
    /** The header line. */
    public static final String HEADER = "epoch,train_loss,eval_loss,eval_top1,eval_top5,lr";
    /** File name in a run folder. */
    public static final String FILE = "summary.csv";

    /**
     * One epoch's row.
     *
     * @param epoch the epoch, from 1
     * @param trainLoss mean training loss
     * @param evalLoss mean eval cross-entropy
     * @param evalTop1 eval top-1 accuracy, percent
     * @param evalTop5 eval top-5 accuracy, percent
     * @param lr learning rate of the epoch's last update
     */
    public record Row(int epoch, double trainLoss, double evalLoss, double evalTop1, double evalTop5, double lr) {
        String csv() {
            return String.format(Locale.ROOT, "%d,%.6f,%.6f,%.4f,%.4f,%.8g", epoch, trainLoss, evalLoss, evalTop1,
                    evalTop5, lr);
        }

        static Row parse(String line) {
            String[] f = line.split(",");
            return new Row(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                    Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]));
        }
    }

    private final Path file;
    private final List<Row> rows = new ArrayList<>();

    private Summary(Path file) {
        this.file = file;
    }

    /** A new, empty summary in {@code runDir} (any old file is replaced on the first write). */
    public static Summary create(Path runDir) {
        return new Summary(runDir.resolve(FILE));
    }

    /** The summary of {@code runDir} with the rows of epochs up to {@code lastEpoch} only. */
    public static Summary resume(Path runDir, int lastEpoch) {
        Summary s = new Summary(runDir.resolve(FILE));
        for (Row r : read(s.file)) {
            if (r.epoch() <= lastEpoch) {
                s.rows.add(r);
            }
        }
        s.write();
        return s;
    }

    /** The rows of a {@code summary.csv}; none when the file does not exist. */
    public static List<Row> read(Path file) {
        List<Row> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank() && !line.startsWith("epoch")) {
                    out.add(Row.parse(line.strip()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Appends a row and rewrites the file. */
    public void add(Row row) {
        rows.add(row);
        write();
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    private void write() {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (Row r : rows) {
            sb.append(r.csv()).append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
    }
}
