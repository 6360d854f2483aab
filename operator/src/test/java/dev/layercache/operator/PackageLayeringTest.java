package dev.layercache.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The operator's packages depend on each other one way only (docs/operator.md): per kind on
 * nodecache and registry, those on support, support on none. Checked on the sources: an import
 * against the arrows fails here, naming the file.
 */
class PackageLayeringTest {
  static final Path SOURCES = Path.of("src/main/java/dev/layercache/operator");
  static final Map<String, List<String>> MAY_IMPORT =
      Map.of(
          "support", List.of(),
          "registry", List.of("support"),
          "nodecache", List.of("support"),
          "layercache", List.of("nodecache", "registry", "support"),
          "workspace", List.of("nodecache", "registry", "support"));

  @Test
  void importsFollowTheArrows() throws Exception {
    List<String> crossings = new ArrayList<>();
    int scanned = 0;
    for (Map.Entry<String, List<String>> pkg : MAY_IMPORT.entrySet()) {
      try (Stream<Path> files = Files.list(SOURCES.resolve(pkg.getKey()))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          scanned++;
          for (String line : Files.readAllLines(file)) {
            if (line.startsWith("import dev.layercache.operator.")
                && !allowed(line, pkg.getKey(), pkg.getValue())) {
              crossings.add(SOURCES.relativize(file) + ": " + line);
            }
          }
        }
      }
    }
    assertThat(scanned).as("operator sources found").isGreaterThan(20);
    assertThat(crossings).isEmpty();
  }

  private static boolean allowed(String line, String pkg, List<String> targets) {
    String imported = line.substring("import dev.layercache.operator.".length());
    return Stream.concat(Stream.of(pkg), targets.stream())
        .anyMatch(p -> imported.startsWith(p + "."));
  }
}
