package dev.layercache.oci;

import static dev.layercache.oci.testing.TestImages.AMD64;
import static dev.layercache.oci.testing.TestImages.ARM64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.luben.zstd.ZstdInputStream;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import dev.layercache.oci.testing.TestIndex;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Push images with the project's own code to a real registry and read them back. */
class RegistryRoundTripIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  private final RegistryClient client = registry.client();

  @Test
  void ociImageWithGzipZstdAndUncompressedLayersResolvesToWhatWasPushed() throws IOException {
    TestImage image = TestImages.sample(ImageFormat.OCI, AMD64);
    ImageReference ref = registry.reference("round/oci:1");
    Digest pushed = image.push(client, ref);

    ResolvedImage resolved = client.resolve(ref, AMD64);

    assertThat(resolved.manifestDigest()).isEqualTo(pushed).isEqualTo(image.digest());
    assertThat(resolved.indexDigest()).isEmpty();
    assertThat(resolved.manifestMediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(resolved.platform()).isEqualTo(AMD64);
    assertThat(resolved.diffIds()).isEqualTo(image.diffIds());
    assertThat(resolved.layers()).extracting(Layer::blob).isEqualTo(image.layerDescriptors());
    assertThat(resolved.layers())
        .extracting(Layer::compression)
        .containsExactly(Compression.GZIP, Compression.ZSTD, Compression.NONE);
    assertThat(resolved.configDescriptor()).isEqualTo(image.config());
    assertThat(resolved.config().history())
        .extracting(ImageConfig.History::createdBy)
        .contains("layercache test layer 1", "CMD [\"/bin/sh\"]");
    assertThat(resolved.compressedSize())
        .isEqualTo(image.layers().stream().mapToLong(l -> l.bytes().length).sum());
  }

  @Test
  void closingTheClientEndsItsThreadSoTheJvmExitsAtOnce() throws Exception {
    assumeTrue(Runtime.version().feature() >= 21, "HttpClient.shutdownNow is JDK 21's");
    TestImage image = TestImages.sample(ImageFormat.OCI, AMD64);
    ImageReference ref = registry.reference("round/close:1");
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    HttpRegistryClient own = registry.client();
    image.push(own, ref);
    List<Thread> started =
        Thread.getAllStackTraces().keySet().stream()
            .filter(thread -> !before.contains(thread))
            .filter(thread -> thread.getName().contains("SelectorManager"))
            .toList();
    assertThat(started).hasSize(1);

    own.close();

    started.get(0).join(5_000);
    assertThat(started.get(0).isAlive()).isFalse();
  }

  @Test
  void resolvesByDigestReference() throws IOException {
    TestImage image = TestImages.sample(ImageFormat.OCI, AMD64);
    ImageReference ref = registry.reference("round/bydigest:1");
    image.push(client, ref);

    ImageReference byDigest = ImageReference.parse(ref.name() + "@" + image.digest());
    ResolvedImage resolved = client.resolve(byDigest, AMD64);

    assertThat(resolved.manifestDigest()).isEqualTo(image.digest());
    assertThat(resolved.pinnedReference().digest()).contains(image.digest());
  }

  @Test
  void ociIndexSelectsEachPlatform() throws IOException {
    assertIndexSelectsEachPlatform(ImageFormat.OCI, MediaTypes.OCI_MANIFEST);
  }

  @Test
  void dockerManifestListSelectsEachPlatform() throws IOException {
    assertIndexSelectsEachPlatform(ImageFormat.DOCKER, MediaTypes.DOCKER_MANIFEST);
  }

  private void assertIndexSelectsEachPlatform(ImageFormat format, String manifestType)
      throws IOException {
    TestIndex index = TestImages.multiPlatform(format);
    ImageReference ref = registry.reference("round/multi-" + format.name().toLowerCase() + ":1");
    Digest indexDigest = index.push(client, ref);

    assertThat(client.fetchManifest(ref).mediaType()).isEqualTo(format.indexMediaType());
    for (TestImage image : index.images()) {
      ResolvedImage resolved = client.resolve(ref, image.platform());
      assertThat(resolved.indexDigest()).contains(indexDigest);
      assertThat(resolved.manifestDigest()).isEqualTo(image.digest());
      assertThat(resolved.manifestMediaType()).isEqualTo(manifestType);
      assertThat(resolved.platform()).isEqualTo(image.platform());
      assertThat(resolved.diffIds()).isEqualTo(image.diffIds());
      assertThat(resolved.pinnedReference().digest()).contains(indexDigest);
    }
    assertThat(client.resolve(ref, Platform.parse("linux/arm64/v8")).platform()).isEqualTo(ARM64);
  }

  @Test
  void platformMissingFromIndexNamesTheOnesThatExist() throws IOException {
    ImageReference ref = registry.reference("round/nos390x:1");
    TestImages.multiPlatform(ImageFormat.OCI).push(client, ref);

    assertThatThrownBy(() -> client.resolve(ref, Platform.parse("linux/s390x")))
        .isInstanceOf(NoMatchingPlatformException.class)
        .hasMessageContaining("linux/s390x")
        .hasMessageContaining("linux/amd64")
        .hasMessageContaining("linux/arm64");
  }

  @Test
  void singleManifestForAnotherPlatformIsRefused() throws IOException {
    ImageReference ref = registry.reference("round/armonly:1");
    TestImages.sample(ImageFormat.OCI, ARM64).push(client, ref);

    assertThatThrownBy(() -> client.resolve(ref, AMD64))
        .isInstanceOf(NoMatchingPlatformException.class)
        .hasMessageContaining("has: [linux/arm64]");
  }

  @Test
  void ociManifestWithoutMediaTypeIsDetectedByContent() throws IOException {
    TestImage image =
        ImageBuilder.oci(AMD64)
            .layer(TestImages.appLayer(), Compression.GZIP)
            .omitManifestMediaType()
            .build();
    assertThat(new String(image.manifest()))
        .doesNotContain("\"mediaType\":\"application/vnd.oci.image.manifest");
    ImageReference ref = registry.reference("round/nomediatype:1");
    image.push(client, ref);

    ResolvedImage resolved = client.resolve(ref, AMD64);

    assertThat(resolved.manifestDigest()).isEqualTo(Digest.sha256(image.manifest()));
    assertThat(resolved.manifestMediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(resolved.diffIds()).isEqualTo(image.diffIds());
  }

  @Test
  void downloadedLayersAreVerifiedAndUnpackToTheirDiffIds(@TempDir Path dir) throws IOException {
    TestImage image = TestImages.sample(ImageFormat.OCI, AMD64);
    ImageReference ref = registry.reference("round/blobs:1");
    image.push(client, ref);
    ResolvedImage resolved = client.resolve(ref, AMD64);

    for (Layer layer : resolved.layers()) {
      AtomicLong progress = new AtomicLong();
      byte[] blob;
      try (InputStream in =
          client.openBlob(ref, layer.blob(), (done, total) -> progress.set(done))) {
        blob = in.readAllBytes();
      }
      assertThat(progress.get()).isEqualTo(layer.blob().size());
      byte[] tar = decompress(layer.compression(), blob);
      assertThat(Digest.sha256(tar)).isEqualTo(layer.diffId());

      Path file = dir.resolve(layer.blob().digest().hex());
      client.fetchBlob(ref, layer.blob(), file);
      assertThat(file).hasBinaryContent(blob);
    }
    assertThat(tarEntries(decompress(Compression.ZSTD, image.layers().get(1).bytes())))
        .contains("etc/.wh.obsolete.conf", "var/cache/.wh..wh..opq", "var/cache/fresh");
    assertThat(dir).isDirectoryNotContaining(p -> p.toString().endsWith(".partial"));
  }

  @Test
  void unknownTagAndRepositoryCarryTheRegistrysErrorText() throws IOException {
    ImageReference ref = registry.reference("round/known:1");
    TestImages.sample(ImageFormat.OCI, AMD64).push(client, ref);

    assertThatThrownBy(() -> client.resolve(ref.withTag("nope"), AMD64))
        .isInstanceOf(RegistryException.class)
        .hasMessageStartingWith("MANIFEST_UNKNOWN: manifest unknown")
        .hasMessageContaining("404");
    assertThatThrownBy(() -> client.resolve(registry.reference("round/never:1"), AMD64))
        .isInstanceOf(RegistryException.class)
        // distribution 2.8 answers MANIFEST_UNKNOWN here; others say NAME_UNKNOWN.
        .hasMessageMatching(
            "^(NAME_UNKNOWN: repository name not known to registry|MANIFEST_UNKNOWN: manifest unknown) .*");
  }

  @Test
  void mirrorIsTriedFirstAndADeadMirrorFallsBackToTheRegistry() throws Exception {
    TestImage image = TestImages.sample(ImageFormat.OCI, AMD64);
    image.push(client, registry.reference("mirrored/app:1"));
    int deadPort = freePort();

    // The "upstream" is a dead loopback port: only the mirror can answer.
    ImageReference upstreamRef = ImageReference.parse("127.0.0.1:" + deadPort + "/mirrored/app:1");
    RegistryClient viaMirror =
        new HttpRegistryClient(
            registry.configBuilder().mirror(upstreamRef.registry(), registry.url()).build());
    assertThat(viaMirror.resolve(upstreamRef, AMD64).manifestDigest()).isEqualTo(image.digest());

    RegistryClient deadMirror =
        new HttpRegistryClient(
            registry
                .configBuilder()
                .mirror(registry.host(), URI.create("http://127.0.0.1:" + deadPort))
                .build());
    assertThat(deadMirror.resolve(registry.reference("mirrored/app:1"), AMD64).manifestDigest())
        .isEqualTo(image.digest());
  }

  private static int freePort() throws IOException {
    try (var socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static byte[] decompress(Compression compression, byte[] blob) throws IOException {
    InputStream raw = new ByteArrayInputStream(blob);
    try (InputStream in =
        switch (compression) {
          case NONE -> raw;
          case GZIP -> new GZIPInputStream(raw);
          case ZSTD -> new ZstdInputStream(raw);
        }) {
      return in.readAllBytes();
    }
  }

  static List<String> tarEntries(byte[] tar) throws IOException {
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      TarArchiveEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        names.add(entry.getName());
      }
    }
    return names;
  }
}
