package dev.tokenmix.models.swin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The official state_dict listings of the Swin parity fixtures ({@code parity/<name>-224/keys.tsv}). */
final class OfficialKeys {
    record Entry(String key, String dtype, long[] shape) {
    }

    private OfficialKeys() {
    }

    static String fixture(String name) {
        return "parity/" + name + "-224";
    }

    static Path resource(String name, String file) {
        try {
            return Path.of(OfficialKeys.class.getClassLoader().getResource(fixture(name) + "/" + file).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Entry> of(String name) {
        List<Entry> keys = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(resource(name, "keys.tsv"), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    String[] f = line.split("\t");
                    String dims = f[2].replace("[", "").replace("]", "").trim();
                    long[] shape = dims.isEmpty() ? new long[0]
                            : Arrays.stream(dims.split(",")).mapToLong(s -> Long.parseLong(s.trim())).toArray();
                    keys.add(new Entry(f[0], f[1], shape));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return keys;
    }
}
