package dev.tokenmix.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Java code in the documentation is code the build compiles and runs: every {@code java} block of
 * {@code README.md} and {@code docs/primitives.md} must equal a region of this package's test sources between
 * {@code // tag::NAME[]} and {@code // end::NAME[]} (indentation removed), and every such region must appear in one of
 * the documents. To change an example, change the test source and paste its region into the document.
 */
class DocSnippetsTest {
    private static final Pattern TAG = Pattern.compile("^\\s*// tag::([\\w-]+)\\[\\]\\s*$");
    private static final Pattern END = Pattern.compile("^\\s*// end::([\\w-]+)\\[\\]\\s*$");
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?ms)^```java\\n(.*?)^```\\s*$");
    private static final List<String> DOCUMENTS = List.of("README.md", "docs/primitives.md");

    /** The repository root: the nearest ancestor of the working directory with docs/ and README.md. */
    static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("docs"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }

    /** Tagged regions of the snippet sources, dedented, by tag name. */
    static Map<String, String> taggedRegions() throws IOException {
        Path dir = repositoryRoot().resolve("tokenmix-models/src/test/java/dev/tokenmix/docs");
        Map<String, String> regions = new LinkedHashMap<>();
        List<Path> sources;
        try (Stream<Path> s = Files.list(dir)) {
            sources = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        for (Path src : sources) {
            List<String> lines = Files.readAllLines(src);
            String open = null;
            List<String> body = new ArrayList<>();
            for (String line : lines) {
                Matcher t = TAG.matcher(line);
                Matcher e = END.matcher(line);
                if (t.matches()) {
                    assertEquals(null, open, src.getFileName() + ": tag " + t.group(1) + " opened inside " + open);
                    open = t.group(1);
                    body.clear();
                } else if (e.matches()) {
                    assertEquals(open, e.group(1), src.getFileName() + ": end tag does not match");
                    assertFalse(regions.containsKey(open), "tag " + open + " used twice");
                    regions.put(open, dedent(body));
                    open = null;
                } else if (open != null) {
                    body.add(line);
                }
            }
            assertEquals(null, open, src.getFileName() + ": tag " + open + " never closed");
        }
        return regions;
    }

    static String dedent(List<String> lines) {
        int indent = Integer.MAX_VALUE;
        for (String l : lines) {
            if (!l.isBlank()) {
                indent = Math.min(indent, l.length() - l.stripLeading().length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l.isBlank() ? "" : l.substring(indent).stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(markdown);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    @Test
    void everyJavaBlockOfTheDocsIsATaggedRegionOfCompiledTestCode() throws IOException {
        Map<String, String> regions = taggedRegions();
        assertFalse(regions.isEmpty());
        List<String> unused = new ArrayList<>(regions.keySet());
        for (String doc : DOCUMENTS) {
            String text = Files.readString(repositoryRoot().resolve(doc));
            List<String> blocks = javaBlocks(text);
            assertFalse(blocks.isEmpty(), doc + " has no java block");
            for (String block : blocks) {
                String tag = regions.entrySet().stream().filter(e -> e.getValue().equals(block)).map(Map.Entry::getKey)
                        .findFirst().orElse(null);
                if (tag == null) {
                    fail(doc + " has a java block that is no tagged region of " + DocSnippetsTest.class.getPackageName()
                            + "'s test sources (edit the test source, then paste the region):\n" + block);
                }
                unused.remove(tag);
            }
        }
        assertTrue(unused.isEmpty(), "tagged regions missing from the docs: " + unused);
    }

    @Test
    void blocksAreFoundAndComparedExactly() {
        String md = "text\n```java\nint a = 1;\n  int b = 2;\n```\nmore\n```bash\nls\n```\n";
        assertEquals(List.of("int a = 1;\n  int b = 2;\n"), javaBlocks(md));
        assertEquals("a\n  b\n\nc\n", dedent(List.of("    a", "      b", "", "    c")));
    }
}
