package dev.layercache.agent.cli;

import dev.layercache.oci.testing.FuzzSeeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Seeds of the apply -f fuzz target: the example objects apply reads (a NodeCache it refuses). */
class ManifestsFuzzSeedsTest {

  @Test
  void seedsAreTheDeployExamples() throws IOException {
    Map<String, byte[]> seeds = new TreeMap<>();
    for (String dir : List.of("../deploy/examples", "../deploy/examples/standalone")) {
      try (Stream<Path> files = Files.list(Path.of(dir))) {
        for (Path file :
            files
                .filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("nodecache.yaml"))
                .toList()) {
          Manifests.read(List.of(file));
          seeds.put(
              file.getParent().getFileName() + "-" + file.getFileName(), Files.readAllBytes(file));
        }
      }
    }
    FuzzSeeds.check(ManifestsFuzzTest.class.getName(), "read", seeds);
  }
}
