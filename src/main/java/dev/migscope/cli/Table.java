package dev.migscope.cli;

import dev.migscope.device.Visible;
import java.io.PrintWriter;
import java.util.List;

/**
 * Left-aligned columns separated by two spaces; the last column is not padded. Cells hold names from
 * outside (drivers, pci.ids, /proc), so their controls are made visible.
 */
final class Table {

    private Table() {
    }

    static void print(PrintWriter out, List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], cell(r, c).length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                String v = cell(r, c);
                sb.append(v);
                if (c < cols - 1) {
                    sb.append(" ".repeat(width[c] - v.length() + 2));
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    private static String cell(String[] r, int c) {
        return r[c] == null ? "-" : Visible.of(r[c]);
    }
}
