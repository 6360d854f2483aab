package dev.layercache.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine (kernel, unpack, store, workspace) knows nothing of Kubernetes, gRPC or the command
 * line, so the CLI, the agent and the node daemon's servers can all drive it. Checked on the
 * sources: an import across the line fails here, naming the file.
 */
class EngineLayeringTest {
  static final Path SOURCES = Path.of("src/main/java/dev/layercache/agent");
  static final List<String> ENGINE = List.of("kernel", "unpack", "store", "workspace", "analyze");
  static final List<String> FORBIDDEN =
      List.of(
          "io.fabric8.",
          "io.grpc.",
          "picocli.",
          "dev.layercache.api.",
          "dev.layercache.agent.cli.",
          "dev.layercache.agent.cluster.",
          "dev.layercache.agent.standalone.");

  @Test
  void engineImportsNoAdapter() throws Exception {
    List<String> crossings = new ArrayList<>();
    int scanned = 0;
    for (String pkg : ENGINE) {
      try (Stream<Path> files = Files.walk(SOURCES.resolve(pkg))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          scanned++;
          for (String line : Files.readAllLines(file)) {
            if (line.startsWith("import ")
                && FORBIDDEN.stream().anyMatch(f -> line.contains(" " + f))) {
              crossings.add(SOURCES.relativize(file) + ": " + line);
            }
          }
        }
      }
    }
    assertThat(scanned).as("engine sources found").isGreaterThan(30);
    assertThat(crossings).isEmpty();
  }
}
