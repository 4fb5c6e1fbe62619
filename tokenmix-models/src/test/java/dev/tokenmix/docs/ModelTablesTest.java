package dev.tokenmix.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelRegistry;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.Variant;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The variant tables of {@code docs/models.md} and {@code README.md} agree with the registry. A variant table is one
 * whose header ends in {@link #HEADER}; a row is
 * {@code | `name` | paper params (M) | our params | paper GMACs | our GMACs | paper top-1 |} (cells before the name,
 * such as a family, are allowed). Other tables are left alone. The paper columns are checked on every build; our columns build every listed
 * model, so they are checked only with {@code -Dtokenmix.docs.full=true}:
 *
 * <pre>
 * mvn -o test -pl tokenmix-models -am -Dtest=ModelTablesTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dtokenmix.docs.full=true
 * </pre>
 *
 * A failure prints the correct rows, ready to paste.
 */
class ModelTablesTest {
    private static final List<String> DOCUMENTS = List.of("docs/models.md", "README.md");
    /** The header cells of a variant table, after the model's name (other tables are not checked). */
    static final String HEADER = "| params, paper (M) | params, ours | GMACs, paper | GMACs, ours | top-1, paper (%) |";
    /** The families whose every registered variant (but the tiny tests) the model guide must list. */
    private static final List<String> LISTED_FAMILIES = List.of("paca", "glnet");

    record Row(String document, String name, List<String> cells) {
    }

    static List<Row> rows() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String doc : DOCUMENTS) {
            boolean inVariantTable = false;
            String previous = "";
            for (String line : Files.readAllLines(DocSnippetsTest.repositoryRoot().resolve(doc))) {
                if (!line.startsWith("|")) {
                    inVariantTable = false;
                    previous = line;
                    continue;
                }
                if (!previous.startsWith("|")) {
                    inVariantTable = line.contains(HEADER); // a table starts: is it a variant table?
                }
                previous = line;
                if (!inVariantTable) {
                    continue;
                }
                String[] cells = line.split("\\|", -1);
                for (int i = 1; i < cells.length - 1; i++) {
                    String c = cells[i].strip();
                    if (c.matches("`[a-z0-9_]+`") && TokenMix.listModels().contains(c.substring(1, c.length() - 1))) {
                        List<String> rest = new ArrayList<>();
                        for (int j = i + 1; j < Math.min(cells.length - 1, i + 6); j++) {
                            rest.add(cells[j].strip());
                        }
                        rows.add(new Row(doc, c.substring(1, c.length() - 1), rest));
                        break;
                    }
                }
            }
        }
        return rows;
    }

    /** A reported number as written in the tables: as short as the source gives it, a dash when unknown. */
    static String paper(double v) {
        return Double.isNaN(v) ? "—" : BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    static String row(Variant v, Model m) {
        PaperStats p = v.paper();
        return String.format(Locale.ROOT, "| `%s` | %s | %,d | %s | %.2f | %s |", v.name(), paper(p.paramsM()),
                m.parameterCount(), paper(p.gmacs()), m.macs() / 1e9, paper(p.top1()));
    }

    @Test
    void paperColumnsAreTheRegistrysNumbers() throws IOException {
        List<Row> rows = rows();
        assertFalse(rows.isEmpty(), "no variant tables found");
        for (Row r : rows) {
            assertEquals(5, r.cells().size(), r.document() + " " + r.name() + ": expected 5 cells after the name");
            PaperStats p = ModelRegistry.get().variant(r.name()).paper();
            String where = r.document() + " " + r.name();
            assertEquals(paper(p.paramsM()), r.cells().get(0), where + ": paper params");
            assertEquals(paper(p.gmacs()), r.cells().get(2), where + ": paper GMACs");
            assertEquals(paper(p.top1()), r.cells().get(4), where + ": paper top-1");
        }
    }

    @Test
    void theModelGuideListsEveryVariantOfItsFamilies() throws IOException {
        List<String> listed = rows().stream().filter(r -> r.document().equals("docs/models.md")).map(Row::name)
                .toList();
        for (String name : TokenMix.listModels()) {
            Variant v = ModelRegistry.get().variant(name);
            if (LISTED_FAMILIES.contains(v.family()) && !name.endsWith("_test")) {
                assertTrue(listed.contains(name), "docs/models.md does not list " + name);
            }
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "tokenmix.docs.full", matches = "true")
    void ourColumnsAreTheBuiltModelsNumbers() throws IOException {
        Map<String, String> correct = new LinkedHashMap<>();
        List<String> wrong = new ArrayList<>();
        for (Row r : rows()) {
            String want = correct.computeIfAbsent(r.name(), n -> row(ModelRegistry.get().variant(n), TokenMix.createModel(n)));
            String[] cells = want.split("\\|", -1);
            if (!cells[3].strip().equals(r.cells().get(1)) || !cells[5].strip().equals(r.cells().get(3))) {
                wrong.add(r.document() + ": " + want);
            }
        }
        assertTrue(wrong.isEmpty(), "rows whose measured columns differ; correct rows:\n" + String.join("\n", wrong)
                + "\nall rows:\n" + String.join("\n", correct.values()));
    }
}
