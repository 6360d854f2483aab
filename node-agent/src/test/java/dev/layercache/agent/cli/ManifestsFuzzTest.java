package dev.layercache.agent.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.layercache.oci.testing.FuzzBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code layercache apply -f} reads: any file gives objects or a {@link BadInputException}
 * (exit code 2 with the file and the cause), never another exception.
 */
class ManifestsFuzzTest {
  private static final Path FILE = scratchFile();

  @FuzzTest(maxDuration = FuzzBudget.CI)
  void read(byte[] yaml) throws IOException {
    Files.write(FILE, yaml);
    try {
      Manifests.read(List.of(FILE));
    } catch (BadInputException expected) {
      if (!expected.getMessage().contains(FILE.toString())) {
        throw new AssertionError("the error names no file: " + expected.getMessage(), expected);
      }
    }
  }

  private static Path scratchFile() {
    try {
      Path dir = Files.createTempDirectory("manifests-fuzz");
      dir.toFile().deleteOnExit();
      Path file = dir.resolve("objects.yaml");
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
