package dev.layercache.agent.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain text table with left-aligned columns, like `docker images` prints. */
final class Table {
  private final List<String[]> rows = new ArrayList<>();
  private final int width;

  Table(String... header) {
    this.width = header.length;
    rows.add(header);
  }

  Table row(Object... cells) {
    if (cells.length != width) {
      throw new IllegalArgumentException("expected " + width + " cells, got " + cells.length);
    }
    String[] row = new String[width];
    for (int i = 0; i < width; i++) {
      row[i] = String.valueOf(cells[i]);
    }
    rows.add(row);
    return this;
  }

  void print(PrintWriter out) {
    int[] widths = new int[width];
    for (String[] row : rows) {
      for (int i = 0; i < width; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < width; i++) {
        line.append(row[i]);
        if (i < width - 1) {
          line.append(" ".repeat(widths[i] - row[i].length() + 3));
        }
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }
}
