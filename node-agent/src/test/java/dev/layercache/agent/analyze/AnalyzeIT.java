package dev.layercache.agent.analyze;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.cli.CliRun;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.oci.Compression;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import dev.layercache.oci.testing.TestIndex;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code layercache analyze} on images built with known waste, pulled from the real registry and
 * unpacked into a real store (whiteouts are device nodes: root).
 */
class AnalyzeIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path root;

  CliRun run(String... args) {
    return CliRun.in(root, args);
  }

  static byte[] bytes(int n) {
    return new byte[n];
  }

  @BeforeAll
  static void pushImages() throws Exception {
    wasteful(ImageFormat.OCI, Compression.GZIP)
        .push(registry.client(), registry.reference("demo/wasteful:1"));
    wasteful(ImageFormat.OCI, Compression.ZSTD)
        .push(registry.client(), registry.reference("demo/wasteful:zstd"));
    wasteful(ImageFormat.DOCKER, Compression.GZIP)
        .push(registry.client(), registry.reference("demo/wasteful:docker"));
    TestIndex.of(ImageFormat.OCI, wasteful(ImageFormat.OCI, Compression.GZIP))
        .push(registry.client(), registry.reference("demo/wasteful:index"));
    ImageBuilder.oci(TestImages.AMD64)
        .layer(new TarBuilder().file("bin/tool", bytes(800), 0755), Compression.GZIP)
        .layer(new TarBuilder().file("app/main", bytes(200), 0644), Compression.ZSTD)
        .build()
        .push(registry.client(), registry.reference("demo/lean:1"));
  }

  public static TestImage wasteful(ImageFormat format, Compression compression) throws Exception {
    return ImageBuilder.of(format, TestImages.AMD64)
        // 0: the base
        .layer(
            new TarBuilder()
                .file("etc/base", bytes(1000), 0644)
                .file("etc/removed-by-app", bytes(300), 0644),
            compression)
        // 1: an archive, a file soon overwritten, a tree, a hard-linked pair, a populated dir
        .layer(
            new TarBuilder()
                .file("tmp/archive.tar", bytes(5000), 0644)
                .file("app/config", bytes(100), 0644)
                .file("tree/a/b", bytes(50), 0644)
                .file("tree/c", bytes(70), 0644)
                .file("data/original", bytes(400), 0644)
                .hardlink("data/link", "data/original")
                .file("cache/x", bytes(200), 0644)
                .file("cache/y", bytes(30), 0644),
            compression)
        // 2: removes and replaces all of that
        .layer(
            new TarBuilder()
                .whiteout("tmp/archive.tar")
                .file("app/config", bytes(600), 0644)
                .whiteout("tree")
                .whiteout("data/original")
                .opaque("cache")
                .file("cache/fresh", bytes(10), 0644)
                .whiteout("etc/removed-by-app"),
            compression)
        .build();
  }

  @BeforeEach
  void needRoot() {
    RootRequired.assumeRoot();
  }

  @Test
  void wastedBytesAreExactlyWhatLaterLayersHide() throws Exception {
    CliRun run = run("-o", "json", "analyze", registry.reference("demo/wasteful:1").toString());
    assertThat(run.exit()).as(run.err()).isZero();
    JsonNode a = JSON.readTree(run.out());
    long total = 1000 + 300 + 5000 + 100 + 50 + 70 + 400 + 200 + 30 + 600 + 10;
    // Wasted: the archive, the overwritten config, the tree, the opaque-hidden cache, and the
    // base's removed file; not the hard-linked data, still reachable as data/link.
    long wasted = 5000 + 100 + 50 + 70 + 200 + 30 + 300;
    assertThat(a.get("totalBytes").asLong()).isEqualTo(total);
    assertThat(a.get("wastedBytes").asLong()).isEqualTo(wasted);
    assertThat(a.get("userWastedBytes").asLong()).isEqualTo(wasted - 300);
    assertThat(a.get("efficiency").asDouble()).isEqualTo(1.0 - (double) wasted / total);
    assertThat(a.get("layers"))
        .extracting(l -> l.get("wastedBytes").asLong(), l -> l.get("removed").asInt())
        .containsExactly(tuple(300L, 0), tuple(wasted - 300, 0), tuple(0L, 7));
    JsonNode largest = a.get("largestWasted").get(0);
    assertThat(largest.get("path").asText()).isEqualTo("/tmp/archive.tar");
    assertThat(largest.get("addedBy").asInt()).isEqualTo(1);
    assertThat(largest.get("hiddenBy").asInt()).isEqualTo(2);
    assertThat(a.get("largestWasted"))
        .extracting(p -> p.get("path").asText())
        .contains("/app/config", "/tree/c", "/cache/x", "/etc/removed-by-app")
        .doesNotContain("/data/original", "/data/link");

    CliRun table = run("analyze", registry.reference("demo/wasteful:1").toString());
    assertThat(table.out()).contains("WASTED", "/tmp/archive.tar", "efficiency");
    JsonNode images = JSON.readTree(run("-o", "json", "images", "-v").out());
    assertThat(images.get("items").get(0).get("wastedBytes").asLong()).isEqualTo(wasted);
    assertThat(run("df", "-v").out()).contains("WASTED").contains("5.75kB");
  }

  @Test
  void theNumbersAreTheSameHoweverTheImageIsStored() throws Exception {
    JsonNode gzip = analyze("demo/wasteful:1");
    for (String other :
        new String[] {"demo/wasteful:zstd", "demo/wasteful:docker", "demo/wasteful:index"}) {
      JsonNode a = analyze(other);
      assertThat(a.get("totalBytes")).as(other).isEqualTo(gzip.get("totalBytes"));
      assertThat(a.get("wastedBytes")).as(other).isEqualTo(gzip.get("wastedBytes"));
      assertThat(a.get("largestWasted")).as(other).isEqualTo(gzip.get("largestWasted"));
    }
  }

  JsonNode analyze(String repoTag) throws Exception {
    CliRun run = run("-o", "json", "analyze", registry.reference(repoTag).toString());
    assertThat(run.exit()).as(run.err()).isZero();
    return JSON.readTree(run.out());
  }

  @Test
  void aNodeWastesOnlyWhatNoCachedImageShows() throws Exception {
    TarBuilder base = new TarBuilder().file("opt/tool", bytes(900), 0644);
    ImageBuilder.oci(TestImages.AMD64)
        .layer(base, Compression.GZIP)
        .build()
        .push(registry.client(), registry.reference("demo/with-tool:1"));
    ImageBuilder.oci(TestImages.AMD64)
        .layer(base, Compression.GZIP)
        .layer(new TarBuilder().whiteout("opt/tool"), Compression.GZIP)
        .build()
        .push(registry.client(), registry.reference("demo/without-tool:1"));
    assertThat(run("pull", registry.reference("demo/without-tool:1").toString()).exit()).isZero();
    try (LayerStore store = LayerStore.open(root)) {
      ImageAnalyzer analyzer = new ImageAnalyzer(store.layout());
      assertThat(analyzer.wastedOnNode(store.images())).isEqualTo(900);
    }
    // The same layer shows the file in another cached image: nothing on the node is wasted.
    assertThat(run("pull", registry.reference("demo/with-tool:1").toString()).exit()).isZero();
    try (LayerStore store = LayerStore.open(root)) {
      ImageAnalyzer analyzer = new ImageAnalyzer(store.layout());
      assertThat(analyzer.wastedOnNode(store.images())).isZero();
      assertThat(new NodeWaste(analyzer).of(store.images())).isZero();
    }
  }

  @Test
  void ciModeChecksEachRule() throws Exception {
    String wasteful = registry.reference("demo/wasteful:1").toString();
    CliRun failing = run("analyze", wasteful, "--ci");
    assertThat(failing.exit()).isEqualTo(1);
    assertThat(failing.out()).contains("FAIL: lowestEfficiency", "FAIL: highestUserWastedPercent");
    CliRun passing =
        run(
            "analyze",
            wasteful,
            "--ci",
            "--lowest-efficiency",
            "0.25",
            "--highest-user-wasted-percent",
            "0.75",
            "--highest-wasted-bytes",
            "6000");
    assertThat(passing.exit()).as(passing.out()).isZero();
    assertThat(passing.out()).contains("PASS: highestWastedBytes (limit 6000, actual 5750)");
    assertThat(run("analyze", wasteful, "--ci", "--highest-wasted-bytes", "5749").exit())
        .isEqualTo(1);

    CliRun lean =
        run("-o", "json", "analyze", registry.reference("demo/lean:1").toString(), "--ci");
    assertThat(lean.exit()).as(lean.out()).isZero();
    JsonNode a = JSON.readTree(lean.out());
    assertThat(a.get("wastedBytes").asLong()).isZero();
    assertThat(a.get("efficiency").asDouble()).isEqualTo(1.0);
    assertThat(a.get("passed").asBoolean()).isTrue();

    assertThat(run("analyze", wasteful, "--lowest-efficiency", "2").exit()).isEqualTo(2);
  }
}
