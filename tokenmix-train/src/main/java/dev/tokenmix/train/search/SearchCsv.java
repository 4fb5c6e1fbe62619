package dev.tokenmix.train.search;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The search's results file: a header {@code name,layout,params,macs,accuracy} and one row per evaluated candidate,
 * appended as soon as it is known, so an interrupted search resumes by skipping the names already present. Names
 * and layouts contain no commas or quotes, so rows need no quoting.
 */
public final class SearchCsv {
    /** The header line. */
    public static final String HEADER = "name,layout,params,macs,accuracy";
    private final Path file;

    public SearchCsv(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The rows already in the file (none if it does not exist); a malformed row is named with its line number. */
    public List<SearchResult> read() throws IOException {
        List<SearchResult> rows = new ArrayList<>();
        if (!Files.exists(file)) {
            return rows;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || (i == 0 && line.equals(HEADER))) {
                continue;
            }
            String[] f = line.split(",", -1);
            try {
                if (f.length != 5) {
                    throw new IllegalArgumentException("expected 5 fields");
                }
                rows.add(new SearchResult(f[0], f[1], Long.parseLong(f[2]), Long.parseLong(f[3]),
                        Double.parseDouble(f[4])));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + " is not '" + HEADER + "': " + line
                        + "; fix or delete the line to resume");
            }
        }
        return rows;
    }

    /** Appends one row, writing the header first if the file is new or empty. */
    public void append(SearchResult r) throws IOException {
        if (r.name().contains(",") || r.layout().contains(",")) {
            throw new IllegalArgumentException("name and layout must not contain commas: " + r);
        }
        boolean fresh = !Files.exists(file) || Files.size(file) == 0;
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            if (fresh) {
                w.write(HEADER);
                w.newLine();
            }
            w.write(String.format(Locale.ROOT, "%s,%s,%d,%d,%.6f", r.name(), r.layout(), r.params(), r.macs(),
                    r.accuracy()));
            w.newLine();
        }
    }
}
