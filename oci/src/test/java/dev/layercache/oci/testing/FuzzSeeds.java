package dev.layercache.oci.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The seed inputs of a fuzz target, made by the tests from their own images and objects, kept in
 * the Inputs directory where Jazzer reads them (and runs them as regression tests). {@code
 * -Dfuzz.writeSeeds=true} writes them; otherwise the committed files must match.
 */
public final class FuzzSeeds {
  private FuzzSeeds() {}

  /**
   * @param target e.g. {@code dev.layercache.oci.ManifestFuzzTest}
   * @param method the {@code @FuzzTest} method
   */
  public static void check(String target, String method, Map<String, byte[]> seeds) {
    Path dir = Path.of("src/test/resources", target.replace('.', '/') + "Inputs", method);
    try {
      if (Boolean.getBoolean("fuzz.writeSeeds")) {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
          Files.write(dir.resolve("seed-" + seed.getKey()), seed.getValue());
        }
      }
      for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
        Path file = dir.resolve("seed-" + seed.getKey());
        assertThat(file)
            .as("seed %s (write with -Dfuzz.writeSeeds=true)", file)
            .exists()
            .hasBinaryContent(seed.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
