package dev.layercache.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.oci.Compression;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.FaultyProxy;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A pull killed with SIGKILL mid-layer leaves nothing half-written visible, and the next works. */
class PullCrashIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  @TempDir Path root;

  @Test
  void killMinus9MidPullLeavesNoPartialLayerAndTheNextPullSucceeds() throws Exception {
    RootRequired.assumeRoot();
    byte[] noise = new byte[6 << 20];
    new Random(42).nextBytes(noise);
    TestImage image =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(
                new TarBuilder().file("small", "s").file("big/noise", noise, 0644),
                Compression.GZIP)
            .build();
    String diffId = image.diffIds().get(0).toString();
    image.push(registry.client(), registry.reference("test/crash:1"));

    try (FaultyProxy proxy = FaultyProxy.start(registry.url())) {
      proxy.throttleBlobs(1 << 20); // six seconds for the layer: time to kill it mid-way
      ImageReference ref = proxy.reference(registry.reference("test/crash:1"));
      Process pull =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  "dev.layercache.agent.Main",
                  "--root",
                  root.toString(),
                  "pull",
                  ref.toString())
              .redirectErrorStream(true)
              .redirectOutput(root.resolveSibling(root.getFileName() + "-pull.log").toFile())
              .start();
      try {
        // Wait until the layer is being unpacked: its big file exists in staging.
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> stagedBytes(root.resolve("staging")) > 1 << 20 || !pull.isAlive());
        assertThat(pull.isAlive()).as("pull still running when killed").isTrue();
      } finally {
        pull.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
        pull.waitFor();
      }
      assertThat(pull.exitValue()).isEqualTo(137);
      StoreLayout layout = new StoreLayout(root);
      assertThat(layout.layer(diffId)).doesNotExist();
      assertThat(list(layout.layers())).isEmpty();
      assertThat(list(layout.images())).isEmpty();
      assertThat(list(layout.staging())).as("the crash left its staging behind").isNotEmpty();

      proxy.throttleBlobs(-1);
      ExecutorService executor = Executors.newFixedThreadPool(2);
      try (LayerStore store = LayerStore.open(root)) {
        assertThat(list(layout.staging())).as("cleared at start").isEmpty();
        new ImagePuller(
                registry.client(), store, DiskBudget.defaults(), executor, Clock.systemUTC())
            .pull(ref, TestImages.AMD64, PullListener.NONE);
        assertThat(Files.readAllBytes(layout.layerDiff(diffId).resolve("big/noise")))
            .isEqualTo(noise);
        assertThat(store.layers()).extracting(LayerRecord::diffId).containsExactly(diffId);
      } finally {
        executor.shutdownNow();
      }
    }
  }

  private static long stagedBytes(Path staging) throws IOException {
    if (!Files.isDirectory(staging)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(staging)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException vanished) {
                  return 0;
                }
              })
          .sum();
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.toList();
    }
  }
}
