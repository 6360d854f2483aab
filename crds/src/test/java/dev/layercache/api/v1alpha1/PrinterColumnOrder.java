package dev.layercache.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Plural;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Puts a generated CRD's {@code additionalPrinterColumns} back in the order its Java type declares
 * them (crd-generator sorts them by jsonPath, which put AGE first). Only the order changes: each
 * column's lines are kept as generated.
 */
final class PrinterColumnOrder {

  private static final String COLUMNS = "  - additionalPrinterColumns:\n";
  private static final String ITEM = "    - ";

  private static final Map<String, Class<?>> KINDS_BY_PLURAL =
      Stream.of(LayerCache.class, NodeCache.class, OverlayWorkspace.class)
          .collect(
              LinkedHashMap::new,
              (m, kind) -> m.put(kind.getAnnotation(Plural.class).value(), kind),
              Map::putAll);

  private PrinterColumnOrder() {}

  /** {@code crd}, the text of {@code <plural>.layercache.dev}, with its columns as declared. */
  static String asDeclared(String plural, String crd) {
    Class<?> kind = KINDS_BY_PLURAL.get(plural);
    if (kind == null) {
      throw new IllegalArgumentException("no Java type for the CRD " + plural);
    }
    int start = crd.indexOf(COLUMNS);
    if (start < 0) {
      throw new IllegalArgumentException(plural + ": no additionalPrinterColumns in the CRD");
    }
    start += COLUMNS.length();
    int end = start;
    Map<String, String> columnsByName = new LinkedHashMap<>();
    StringBuilder column = null;
    String name = null;
    while (end < crd.length()) {
      int next = crd.indexOf('\n', end) + 1;
      String line = crd.substring(end, next);
      if (line.startsWith(ITEM)) {
        if (column != null) {
          columnsByName.put(name, column.toString());
        }
        column = new StringBuilder();
      } else if (!line.startsWith("      ")) {
        break;
      }
      column.append(line);
      if (line.startsWith("      name: ") || line.startsWith(ITEM + "name: ")) {
        name = line.substring(line.indexOf("name: ") + 6).trim().replace("\"", "");
      }
      end = next;
    }
    columnsByName.put(name, column.toString());
    List<String> declared =
        Arrays.stream(kind.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    if (!columnsByName.keySet().equals(new HashSet<>(declared))) {
      throw new IllegalStateException(
          plural + ": generated columns " + columnsByName.keySet() + ", declared " + declared);
    }
    List<String> ordered = new ArrayList<>();
    declared.forEach(n -> ordered.add(columnsByName.get(n)));
    return crd.substring(0, start) + String.join("", ordered) + crd.substring(end);
  }
}
