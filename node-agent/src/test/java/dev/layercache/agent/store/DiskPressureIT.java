package dev.layercache.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.oci.Compression;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The store on a small real filesystem (tmpfs): pulls that cannot fit fail cleanly. */
class DiskPressureIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  @TempDir Path mountpoint;
  ExecutorService executor = Executors.newFixedThreadPool(2);

  @BeforeEach
  void mountSmallFilesystem() throws Exception {
    RootRequired.assumeRoot();
    Syscalls.mount("tmpfs", mountpoint, "tmpfs", 0, "size=16m");
  }

  @AfterEach
  void unmount() throws Exception {
    executor.shutdownNow();
    if (Syscalls.isRoot()) {
      Syscalls.umount(mountpoint, 0);
    }
  }

  ImagePuller puller(LayerStore store) {
    return new ImagePuller(
        registry.client(), store, DiskBudget.defaults(), executor, Clock.systemUTC());
  }

  @Test
  void aPullThatCannotFitIsRefusedBeforeDownloading() throws Exception {
    byte[] noise = new byte[8 << 20];
    new Random(3).nextBytes(noise);
    byte[] more = new byte[8 << 20];
    new Random(4).nextBytes(more);
    // 16 MiB that does not compress, on 16 MiB with a 90% watermark: refused on sight.
    ImageBuilder.oci(TestImages.AMD64)
        .layer(new TarBuilder().file("noise", noise, 0644), Compression.GZIP)
        .layer(new TarBuilder().file("more", more, 0644), Compression.GZIP)
        .build()
        .push(registry.client(), registry.reference("test/big:1"));
    Path root = mountpoint.resolve("store");
    try (LayerStore store = LayerStore.open(root)) {
      assertThatThrownBy(
              () ->
                  puller(store)
                      .pull(registry.reference("test/big:1"), TestImages.AMD64, PullListener.NONE))
          .isInstanceOf(DiskPressureException.class)
          .hasMessageStartingWith("DiskPressure: ")
          .hasMessageContaining("test/big:1")
          .hasMessageContaining(root.toString())
          .hasMessageContaining("high watermark");
      assertThat(store.layers()).isEmpty();
      assertThat(ImagePullIT.stagingEntries(store)).isEmpty();
    }
  }

  @Test
  void anImageThatFitsInRawBytesIsPulled() throws Exception {
    byte[] noise = new byte[6 << 20];
    new Random(5).nextBytes(noise);
    // 6 MiB of noise gzips to a little more than 6 MiB: three times that would not fit, it does.
    ImageBuilder.oci(TestImages.AMD64)
        .layer(new TarBuilder().file("noise", noise, 0644), Compression.GZIP)
        .build()
        .push(registry.client(), registry.reference("test/fits:1"));
    try (LayerStore store = LayerStore.open(mountpoint.resolve("store"))) {
      puller(store).pull(registry.reference("test/fits:1"), TestImages.AMD64, PullListener.NONE);
      assertThat(store.layers()).hasSize(1);
    }
  }

  @Test
  void aLayerThatFillsTheDiskFailsCleanlyAndTheStoreKeepsServing() throws Exception {
    // 40 MB of zeros gzip to ~40 kB: the estimate lets it through; the watermark stops it.
    ImageBuilder.oci(TestImages.AMD64)
        .layer(new TarBuilder().file("zeros", new byte[40 << 20], 0644), Compression.GZIP)
        .build()
        .push(registry.client(), registry.reference("test/bomb:1"));
    var small =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(new TarBuilder().file("hello", "world"), Compression.GZIP)
            .build();
    small.push(registry.client(), registry.reference("test/small:1"));
    Path root = mountpoint.resolve("store");
    try (LayerStore store = LayerStore.open(root)) {
      assertThatThrownBy(
              () ->
                  puller(store)
                      .pull(registry.reference("test/bomb:1"), TestImages.AMD64, PullListener.NONE))
          .hasMessageContaining("test/bomb:1")
          .hasMessageContaining("zeros")
          .hasMessageContaining("high watermark")
          .hasRootCauseInstanceOf(DiskPressureException.class);
      assertThat(store.layers()).isEmpty();
      assertThat(ImagePullIT.stagingEntries(store)).isEmpty();

      puller(store).pull(registry.reference("test/small:1"), TestImages.AMD64, PullListener.NONE);
      assertThat(
              Files.readString(
                  store.layout().layerDiff(small.diffIds().get(0).toString()).resolve("hello")))
          .isEqualTo("world");
    }
  }
}
