package dev.tokenmix.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table with aligned columns: text columns left-aligned, numeric columns right-aligned. */
final class TextTable {
    private final String[] header;
    private final boolean[] right;
    private final List<String[]> rows = new ArrayList<>();

    /** Column names; a name starting with {@code >} is right-aligned (the {@code >} is not printed). */
    TextTable(String... columns) {
        header = new String[columns.length];
        right = new boolean[columns.length];
        for (int i = 0; i < columns.length; i++) {
            right[i] = columns[i].startsWith(">");
            header[i] = right[i] ? columns[i].substring(1) : columns[i];
        }
    }

    void add(String... cells) {
        if (cells.length != header.length) {
            throw new IllegalStateException("row has " + cells.length + " cells, table has " + header.length + " columns");
        }
        rows.add(cells.clone());
    }

    int size() {
        return rows.size();
    }

    void print(PrintWriter out, String indent) {
        int[] w = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            w[i] = header[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        line(out, indent, header, w);
        String[] rule = new String[header.length];
        for (int i = 0; i < header.length; i++) {
            rule[i] = "-".repeat(w[i]);
        }
        line(out, indent, rule, w);
        for (String[] r : rows) {
            line(out, indent, r, w);
        }
        out.flush();
    }

    private void line(PrintWriter out, String indent, String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder(indent);
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                sb.append("  ");
            }
            String pad = " ".repeat(w[i] - cells[i].length());
            sb.append(right[i] ? pad + cells[i] : cells[i] + (i == cells.length - 1 ? "" : pad));
        }
        out.println(sb.toString().stripTrailing());
    }
}
