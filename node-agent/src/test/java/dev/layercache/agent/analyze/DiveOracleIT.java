package dev.layercache.agent.analyze;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.cli.CliRun;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.oci.Compression;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.RegistryExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The oracle: dive (built from its Go module by scripts/test-binaries.sh) on the same image, as a
 * docker-archive made by skopeo. The two define waste differently (docs/analyze.md); this test pins
 * down both definitions on an image whose waste is known file by file.
 */
class DiveOracleIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();
  static final Path DIVE =
      Path.of(
          System.getenv()
              .getOrDefault(
                  "LAYERCACHE_TOOLS", System.getProperty("user.home") + "/.cache/layercache/tools"),
          "bin/dive");

  @TempDir Path root;
  @TempDir Path work;

  @BeforeEach
  void needTools() {
    RootRequired.assumeRoot();
    RootRequired.require(
        Files.isExecutable(DIVE) && Files.isExecutable(Path.of("/usr/bin/skopeo")),
        "the dive oracle needs " + DIVE + " (scripts/test-binaries.sh dive) and skopeo");
  }

  @Test
  void diveSeesTheSameLayersAndCountsWasteItsOwnWay() throws Exception {
    var image = AnalyzeIT.wasteful(ImageFormat.DOCKER, Compression.GZIP);
    var ref = registry.reference("demo/dive:1");
    image.push(registry.client(), ref);

    CliRun run = CliRun.in(root, "-o", "json", "analyze", ref.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    JsonNode ours = new ObjectMapper().readTree(run.out());

    Path archive = work.resolve("image.tar");
    exec(
        "/usr/bin/skopeo",
        "copy",
        "--src-tls-verify=false",
        "docker://" + ref,
        "docker-archive:" + archive + ":demo/dive:1");
    Path report = work.resolve("dive.json");
    exec(
        DIVE.toString(),
        "--source",
        "docker-archive",
        archive.toString(),
        "--json",
        report.toString());
    JsonNode dive = new ObjectMapper().readTree(report.toFile()).get("image");

    assertThat(dive.get("sizeBytes").asLong())
        .as("both read the same files")
        .isEqualTo(ours.get("totalBytes").asLong());
    // Where the definitions part (docs/analyze.md): dive counts every copy of a path found in two
    // layers, the visible one too (app/config's 600) and a file a hard link still reaches
    // (data/original's 400); it does not count what a whited-out directory (tree/*: 120) or an
    // opaque one (cache/*: 230) hides.
    long visibleCopy = 600;
    long stillLinked = 400;
    long underRemovedDirectories = 50 + 70 + 200 + 30;
    assertThat(dive.get("inefficientBytes").asLong())
        .isEqualTo(
            ours.get("wastedBytes").asLong() + visibleCopy + stillLinked - underRemovedDirectories);
    assertThat(dive.get("fileReference"))
        .extracting(f -> f.get("file").asText())
        .containsExactlyInAnyOrder(
            "/tmp/archive.tar", "/app/config", "/data/original", "/etc/removed-by-app");
  }

  static void exec(String... command) throws Exception {
    Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + output).isZero();
  }
}
