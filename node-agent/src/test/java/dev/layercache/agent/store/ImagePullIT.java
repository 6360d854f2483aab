package dev.layercache.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.agent.unpack.UnpackException;
import dev.layercache.oci.BlobContent;
import dev.layercache.oci.Compression;
import dev.layercache.oci.Descriptor;
import dev.layercache.oci.DigestMismatchException;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Platform;
import dev.layercache.oci.testing.FaultyProxy;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Pulls real images from the real distribution registry into a store, as root. */
class ImagePullIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  static final Platform AMD64 = TestImages.AMD64;
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path root;
  ExecutorService executor;
  HttpRegistryClient client;

  @BeforeEach
  void setUp() {
    RootRequired.assumeRoot();
    executor = Executors.newFixedThreadPool(4);
    client = registry.client();
  }

  @AfterEach
  void tearDown() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  ImagePuller puller(LayerStore store, HttpRegistryClient registryClient) {
    return new ImagePuller(
        registryClient, store, DiskBudget.defaults(), executor, Clock.systemUTC());
  }

  static TarBuilder base() {
    return new TarBuilder()
        .file("etc/os-release", "ID=test\n")
        .file("etc/old.conf", "old")
        .file("var/cache/a", "a")
        .symlink("bin/sh", "busybox")
        .file("bin/busybox", "#!busybox".getBytes(StandardCharsets.UTF_8), 04755);
  }

  static TarBuilder change() {
    return new TarBuilder()
        .file("etc/app.conf", "port=8080")
        .whiteout("etc/old.conf")
        .opaque("var/cache")
        .file("var/cache/b", "b");
  }

  @Test
  void pullsGzipZstdAndDockerImagesAndStoresSharedLayersOnce() throws Exception {
    TestImage gzip =
        ImageBuilder.oci(AMD64)
            .layer(base(), Compression.GZIP)
            .layer(change(), Compression.GZIP)
            .build();
    TestImage zstd =
        ImageBuilder.oci(AMD64)
            .layer(base(), Compression.ZSTD)
            .layer(change(), Compression.ZSTD)
            .build();
    TestImage docker =
        ImageBuilder.docker(AMD64)
            .layer(base(), Compression.GZIP)
            .layer(new TarBuilder().file("srv/app", "app"), Compression.GZIP)
            .build();
    gzip.push(client, registry.reference("test/gzip:1"));
    zstd.push(client, registry.reference("test/zstd:1"));
    docker.push(client, registry.reference("test/docker:1"));
    assertThat(zstd.diffIds()).isEqualTo(gzip.diffIds());

    try (LayerStore store = LayerStore.open(root)) {
      ImagePuller puller = puller(store, client);
      ImagePuller.PullResult first =
          puller.pull(registry.reference("test/gzip:1"), AMD64, PullListener.NONE);
      ImagePuller.PullResult second =
          puller.pull(registry.reference("test/zstd:1"), AMD64, PullListener.NONE);
      ImagePuller.PullResult third =
          puller.pull(registry.reference("test/docker:1"), AMD64, PullListener.NONE);

      assertThat(first.layers()).noneMatch(ImagePuller.LayerOutcome::wasCached);
      assertThat(second.layers()).allMatch(ImagePuller.LayerOutcome::wasCached);
      assertThat(third.layers())
          .extracting(ImagePuller.LayerOutcome::wasCached)
          .containsExactly(true, false);
      // base, change, srv: three distinct layers for three images of six layers
      assertThat(store.layers()).hasSize(3);
      assertThat(store.images())
          .extracting(ImageRecord::reference)
          .containsExactlyInAnyOrder(
              registry.reference("test/gzip:1").toString(),
              registry.reference("test/zstd:1").toString(),
              registry.reference("test/docker:1").toString());

      Path baseDir = store.layout().layerDiff(gzip.diffIds().get(0).toString());
      assertThat(Files.readString(baseDir.resolve("etc/os-release"))).isEqualTo("ID=test\n");
      assertThat(Files.readSymbolicLink(baseDir.resolve("bin/sh"))).hasToString("busybox");
      Path changeDir = store.layout().layerDiff(gzip.diffIds().get(1).toString());
      assertThat(Files.readString(changeDir.resolve("etc/app.conf"))).isEqualTo("port=8080");
      assertThat(Files.exists(changeDir.resolve("etc/.wh.old.conf"))).isFalse();
      assertThat(Syscalls.getXattr(changeDir.resolve("var/cache"), "trusted.overlay.opaque"))
          .hasValueSatisfying(
              v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("y"));
      assertThat(stagingEntries(store)).isEmpty();
    }
  }

  @Test
  void pullsTheHostPlatformFromAnIndex() throws Exception {
    var index = TestImages.multiPlatform(ImageFormat.OCI);
    index.push(client, registry.reference("test/multi:1"));
    try (LayerStore store = LayerStore.open(root)) {
      ImagePuller.PullResult arm =
          puller(store, client)
              .pull(registry.reference("test/multi:1"), TestImages.ARM64, PullListener.NONE);
      assertThat(arm.image().platform()).isEqualTo("linux/arm64");
      TestImage armImage =
          index.images().stream()
              .filter(i -> i.platform().equals(TestImages.ARM64))
              .findFirst()
              .orElseThrow();
      assertThat(arm.image().manifestDigest()).isEqualTo(armImage.digest().toString());
      assertThat(store.layers())
          .extracting(LayerRecord::diffId)
          .containsExactlyInAnyOrderElementsOf(
              armImage.diffIds().stream().map(Object::toString).distinct().toList());
    }
  }

  @Test
  void twoPullsThatNeedTheSameLayerShareOneDownload() throws Exception {
    byte[] big = new byte[4 << 20];
    new java.util.Random(7).nextBytes(big);
    TarBuilder shared = new TarBuilder().file("data/blob", big, 0644);
    ImageBuilder.oci(AMD64)
        .layer(shared, Compression.GZIP)
        .layer(new TarBuilder().file("a", "a"), Compression.GZIP)
        .build()
        .push(client, registry.reference("test/a:1"));
    ImageBuilder.oci(AMD64)
        .layer(shared, Compression.GZIP)
        .layer(new TarBuilder().file("b", "b"), Compression.GZIP)
        .build()
        .push(client, registry.reference("test/b:1"));
    try (FaultyProxy proxy = FaultyProxy.start(registry.url());
        LayerStore store = LayerStore.open(root)) {
      proxy.throttleBlobs(8 << 20); // half a second for the shared layer: both pulls overlap
      ImagePuller puller = puller(store, client);
      ExecutorService callers = Executors.newFixedThreadPool(2);
      try {
        Future<ImagePuller.PullResult> a =
            callers.submit(
                () ->
                    puller.pull(
                        proxy.reference(registry.reference("test/a:1")), AMD64, PullListener.NONE));
        Future<ImagePuller.PullResult> b =
            callers.submit(
                () ->
                    puller.pull(
                        proxy.reference(registry.reference("test/b:1")), AMD64, PullListener.NONE));
        a.get();
        b.get();
      } finally {
        callers.shutdownNow();
      }
      String sharedBlob =
          ImageBuilder.oci(AMD64)
              .layer(shared, Compression.GZIP)
              .build()
              .layerDescriptors()
              .get(0)
              .digest()
              .toString();
      long downloads =
          proxy.requests().stream()
              .filter(r -> r.method().equals("GET") && r.path().endsWith(sharedBlob))
              .count();
      assertThat(downloads).isEqualTo(1);
      assertThat(store.layers()).hasSize(3);
    }
  }

  @Test
  void aCorruptedBlobFailsNamingImageAndLayerAndKeepsNothing() throws Exception {
    byte[] noise = new byte[64 << 10];
    new java.util.Random(1).nextBytes(noise);
    TestImage image =
        ImageBuilder.oci(AMD64).layer(base().file("noise", noise, 0644), Compression.GZIP).build();
    image.push(client, registry.reference("test/corrupt:1"));
    try (FaultyProxy proxy = FaultyProxy.start(registry.url());
        LayerStore store = LayerStore.open(root)) {
      proxy.corruptBlobByteAt(10_000); // past the config blob, inside the layer
      ImageReference ref = proxy.reference(registry.reference("test/corrupt:1"));
      String layer = image.layerDescriptors().get(0).digest().toString();
      assertThatThrownBy(() -> puller(store, client).pull(ref, AMD64, PullListener.NONE))
          .isInstanceOf(LayerPullException.class)
          .hasMessageContaining(ref.toString())
          .hasMessageContaining(layer)
          .hasRootCauseInstanceOf(DigestMismatchException.class);
      assertThat(store.layers()).isEmpty();
      assertThat(store.images()).isEmpty();
      assertThat(stagingEntries(store)).isEmpty();
    }
  }

  @Test
  void aConfigThatLiesAboutTheDiffIdFailsAndKeepsNothing() throws Exception {
    TestImage honest = ImageBuilder.oci(AMD64).layer(base(), Compression.GZIP).build();
    String otherDiffId =
        ImageBuilder.oci(AMD64)
            .layer(change(), Compression.GZIP)
            .build()
            .diffIds()
            .get(0)
            .toString();
    pushWithConfigEdit(
        honest,
        registry.reference("test/liar:1"),
        config -> config.replace(honest.diffIds().get(0).toString(), otherDiffId));
    try (LayerStore store = LayerStore.open(root)) {
      assertThatThrownBy(
              () ->
                  puller(store, client)
                      .pull(registry.reference("test/liar:1"), AMD64, PullListener.NONE))
          .isInstanceOf(LayerPullException.class)
          .hasMessageContaining("diffID");
      assertThat(store.layers()).isEmpty();
      assertThat(store.layout().layer(honest.diffIds().get(0).toString())).doesNotExist();
      assertThat(stagingEntries(store)).isEmpty();
    }
  }

  @Test
  void aHostileLayerFailsNamingTheEntryAndWritesNothingOutside() throws Exception {
    Path outside = root.resolveSibling(root.getFileName() + "-outside");
    ImageBuilder.oci(AMD64)
        .layer(
            new TarBuilder()
                .file("ok", "ok")
                .symlink("escape", outside.toString())
                .file("escape/pwned", "pwned"),
            Compression.GZIP)
        .build()
        .push(client, registry.reference("test/hostile:1"));
    Files.createDirectories(outside);
    try (LayerStore store = LayerStore.open(root)) {
      assertThatThrownBy(
              () ->
                  puller(store, client)
                      .pull(registry.reference("test/hostile:1"), AMD64, PullListener.NONE))
          .isInstanceOf(UnpackException.class)
          .hasMessageContaining("test/hostile:1")
          .hasMessageContaining("escape/pwned");
      assertThat(outside).isEmptyDirectory();
      assertThat(store.layers()).isEmpty();
      assertThat(stagingEntries(store)).isEmpty();
    } finally {
      Files.deleteIfExists(outside.resolve("pwned"));
      Files.deleteIfExists(outside);
    }
  }

  /** Pushes {@code image} with its config JSON edited, e.g. to make it lie. */
  void pushWithConfigEdit(TestImage image, ImageReference ref, UnaryOperator<String> edit)
      throws IOException {
    byte[] config =
        edit.apply(new String(image.configJson(), StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);
    Descriptor configDescriptor = Descriptor.of(image.config().mediaType(), config);
    ObjectNode manifest = (ObjectNode) JSON.readTree(image.manifest());
    ((ObjectNode) manifest.get("config"))
        .put("digest", configDescriptor.digest().toString())
        .put("size", configDescriptor.size());
    client.pushBlob(ref, configDescriptor, BlobContent.of(config));
    for (var layer : image.layers()) {
      client.pushBlob(ref, layer.descriptor(), BlobContent.of(layer.bytes()));
    }
    client.pushManifest(ref, image.manifestMediaType(), JSON.writeValueAsBytes(manifest));
  }

  static List<Path> stagingEntries(LayerStore store) throws IOException {
    try (Stream<Path> entries = Files.list(store.layout().staging())) {
      return entries.toList();
    }
  }
}
