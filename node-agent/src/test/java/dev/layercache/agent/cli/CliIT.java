package dev.layercache.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.oci.Compression;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import dev.layercache.oci.testing.TestIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The {@code layercache} CLI as a user runs it, against the real registry. */
class CliIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  @RegisterExtension
  static RegistryExtension privateRegistry = RegistryExtension.withBasicAuth("alice", "s3cret");

  static TestIndex multi;
  static TestImage app;
  static TestImage worker;

  @TempDir Path root;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @BeforeAll
  static void pushImages() throws Exception {
    multi = TestImages.multiPlatform(ImageFormat.OCI);
    multi.push(registry.client(), registry.reference("demo/multi:1"));
    TarBuilder base = new TarBuilder().file("etc/os-release", "ID=demo\n");
    app =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(base, Compression.GZIP)
            .layer(new TarBuilder().file("app/main", "app"), Compression.GZIP)
            .build();
    worker =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(base, Compression.GZIP)
            .layer(new TarBuilder().file("srv/worker", "worker"), Compression.ZSTD)
            .build();
    app.push(registry.client(), registry.reference("demo/app:1"));
    worker.push(registry.client(), registry.reference("demo/worker:1"));
    app.push(privateRegistry.client(), privateRegistry.reference("team/app:1"));
  }

  @Test
  void inspectPrintsManifestPlatformAndLayersOfThePlatformAsked() throws Exception {
    TestImage arm =
        multi.images().stream()
            .filter(i -> i.platform().equals(TestImages.ARM64))
            .findFirst()
            .orElseThrow();
    CliRun run =
        run("inspect", registry.reference("demo/multi:1").toString(), "--platform", "linux/arm64");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .contains(multi.digest().toString())
        .contains(arm.digest().toString())
        .contains("linux/arm64");
    for (var layer : arm.layers()) {
      assertThat(run.out())
          .contains(layer.descriptor().digest().toString())
          .contains(layer.diffId().toString())
          .contains(layer.descriptor().mediaType());
    }

    CliRun json =
        run(
            "inspect",
            registry.reference("demo/multi:1").toString(),
            "--platform",
            "linux/arm64",
            "-o",
            "json");
    JsonNode tree = new ObjectMapper().readTree(json.out());
    assertThat(tree.get("version").asInt()).isEqualTo(1);
    assertThat(tree.get("kind").asText()).isEqualTo("Image");
    assertThat(tree.get("manifestDigest").asText()).isEqualTo(arm.digest().toString());
    assertThat(tree.get("platform").asText()).isEqualTo("linux/arm64");
    assertThat(tree.get("layers")).hasSize(arm.layers().size());
    assertThat(tree.get("layers").get(0).get("diffID").asText())
        .isEqualTo(arm.diffIds().get(0).toString());
    assertThat(tree.get("layers").get(0).get("size").asLong())
        .isEqualTo(arm.layers().get(0).descriptor().size());
  }

  @Test
  void inspectExitsTwoOnAMalformedReference() {
    CliRun run = run("inspect", "UPPER/Case:tag");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("UPPER/Case:tag").contains("lowercase");
  }

  @Test
  void inspectExitsOneWithTheRegistrysOwnErrorText() {
    CliRun unknownTag = run("inspect", registry.reference("demo/app:nope").toString());
    assertThat(unknownTag.exit()).isEqualTo(1);
    assertThat(unknownTag.err()).contains("MANIFEST_UNKNOWN");

    CliRun unknownRepo = run("inspect", registry.reference("demo/nothing-here:1").toString());
    assertThat(unknownRepo.exit()).isEqualTo(1);
    // distribution 2.8 answers an unknown repository's manifest with MANIFEST_UNKNOWN too
    assertThat(unknownRepo.err()).contains("demo/nothing-here").contains("_UNKNOWN");
  }

  @Test
  void inspectUsesDockerConfigCredentials() throws Exception {
    String ref = privateRegistry.reference("team/app:1").toString();
    CliRun anonymous = run("--docker-config", root.resolve("none.json").toString(), "inspect", ref);
    assertThat(anonymous.exit()).isEqualTo(1);
    assertThat(anonymous.err()).contains("UNAUTHORIZED");

    Path config = root.resolve("config.json");
    String auth = Base64.getEncoder().encodeToString("alice:s3cret".getBytes());
    Files.writeString(
        config, "{\"auths\":{\"" + privateRegistry.host() + "\":{\"auth\":\"" + auth + "\"}}}");
    CliRun withCredentials = run("--docker-config", config.toString(), "inspect", ref);
    assertThat(withCredentials.exit()).as(withCredentials.err()).isZero();
    assertThat(withCredentials.out()).contains(app.digest().toString());
  }

  @Test
  void pullThenImagesAndLayersShowWhatIsShared() throws Exception {
    RootRequired.assumeRoot();
    String appRef = registry.reference("demo/app:1").toString();
    String workerRef = registry.reference("demo/worker:1").toString();
    CliRun pull = run("--root", root.toString(), "pull", appRef);
    assertThat(pull.exit()).as(pull.err()).isZero();
    assertThat(pull.out()).contains(appRef).contains("pulled");
    assertThat(pull.err()).as("plain progress lines without a terminal").contains("done");

    CliRun second = run("--root", root.toString(), "-o", "json", "pull", workerRef);
    assertThat(second.exit()).as(second.err()).isZero();
    JsonNode layers = new ObjectMapper().readTree(second.out()).get("items").get(0).get("layers");
    assertThat(layers.get(0).get("cached").asBoolean()).isTrue();
    assertThat(layers.get(1).get("cached").asBoolean()).isFalse();

    CliRun images = run("--root", root.toString(), "-o", "json", "images");
    JsonNode list = new ObjectMapper().readTree(images.out()).get("items");
    assertThat(list).hasSize(2);
    for (JsonNode image : list) {
      assertThat(image.get("sharedBytes").asLong()).isEqualTo("ID=demo\n".length());
    }

    CliRun layerTable = run("--root", root.toString(), "layers");
    String baseDiffId = app.diffIds().get(0).toString();
    String baseLine =
        layerTable
            .out()
            .lines()
            .filter(l -> l.startsWith(PullProgress.shortId(baseDiffId)))
            .findFirst()
            .orElseThrow();
    assertThat(baseLine).contains(appRef).contains(workerRef);
    assertThat(Files.list(root.resolve("layers")).count()).isEqualTo(3);
  }
}
