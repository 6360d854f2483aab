package dev.layercache.oci;

import static dev.layercache.oci.testing.TestImages.AMD64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.oci.testing.FaultyProxy;
import dev.layercache.oci.testing.FaultyProxy.RecordedRequest;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.LayerBlob;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The client between a real registry and a proxy that breaks things on purpose. */
class FaultIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  private static TestImage image;
  private static ImageReference ref;

  private FaultyProxy proxy;
  private RegistryClient client;
  private ImageReference viaProxy;
  private Descriptor bigLayer;
  private byte[] bigLayerBytes;

  @BeforeAll
  static void pushImage() throws IOException {
    byte[] noise = new byte[300_000];
    new Random(42).nextBytes(noise);
    image =
        ImageBuilder.oci(AMD64)
            .layer(new TarBuilder().file("data/noise.bin", noise, 0644), Compression.GZIP)
            .build();
    ref = registry.reference("faults/app:1");
    image.push(registry.client(), ref);
  }

  @BeforeEach
  void startProxy() throws IOException {
    proxy = FaultyProxy.start(registry.url());
    client = registry.client();
    viaProxy = proxy.reference(ref);
    LayerBlob layer = image.layers().get(0);
    bigLayer = layer.descriptor();
    bigLayerBytes = layer.bytes();
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
  }

  @Test
  void droppedConnectionResumesWithRangeAndStillVerifies() throws IOException {
    proxy.dropBlobDownloadsAfter(100_000, 2);

    byte[] read;
    try (InputStream in = client.openBlob(viaProxy, bigLayer)) {
      read = in.readAllBytes();
    }

    assertThat(read).isEqualTo(bigLayerBytes);
    assertThat(blobGets()).hasSize(3);
    // Each retry asks for the rest from what arrived; bytes in flight when the proxy cut the
    // connection may be lost, so a retry can start a little before the cut, never after it.
    long second = rangeStart(blobGets().get(1));
    long third = rangeStart(blobGets().get(2));
    assertThat(second).isPositive().isLessThanOrEqualTo(100_000);
    assertThat(third).isGreaterThan(second).isLessThanOrEqualTo(second + 100_000);
  }

  private static long rangeStart(FaultyProxy.RecordedRequest request) {
    String range = request.header("Range").orElseThrow();
    assertThat(range).matches("bytes=\\d+-");
    return Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
  }

  @Test
  void serverIgnoringRangeIsRestartedAndSkipped() throws IOException {
    proxy.ignoreRange();
    proxy.dropBlobDownloadsAfter(150_000, 1);

    try (InputStream in = client.openBlob(viaProxy, bigLayer)) {
      assertThat(in.readAllBytes()).isEqualTo(bigLayerBytes);
    }
    assertThat(blobGets()).hasSize(2);
  }

  @Test
  void serviceUnavailableIsRetriedUntilItSucceeds() throws IOException {
    proxy.failNext(2, 503, null);

    ResolvedImage resolved = client.resolve(viaProxy, AMD64);

    assertThat(resolved.manifestDigest()).isEqualTo(image.digest());
    assertThat(proxy.requests().get(0).path()).endsWith("/manifests/1");
    assertThat(proxy.requests().subList(0, 3))
        .extracting(RecordedRequest::path)
        .containsOnly("/v2/faults/app/manifests/1");
  }

  @Test
  void tooManyRequestsHonoursRetryAfter() throws IOException {
    proxy.failNext(1, 429, "1");
    Instant start = Instant.now();

    ResolvedImage resolved = client.resolve(viaProxy, AMD64);

    assertThat(resolved.manifestDigest()).isEqualTo(image.digest());
    assertThat(Duration.between(start, Instant.now()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void corruptedByteIsADigestMismatchAndFetchKeepsNothing(@TempDir Path dir) {
    proxy.corruptBlobByteAt(12_345);

    assertThatThrownBy(
            () -> {
              try (InputStream in = client.openBlob(viaProxy, bigLayer)) {
                in.readAllBytes();
              }
            })
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining(bigLayer.digest().toString());

    Path target = dir.resolve("layer.blob");
    assertThatThrownBy(() -> client.fetchBlob(viaProxy, bigLayer, target))
        .isInstanceOf(DigestMismatchException.class);
    assertThat(dir).isEmptyDirectory();
    assertThat(Files.exists(target)).isFalse();
  }

  @Test
  void persistentFailureStopsAfterBoundedAttemptsWithAClearError() {
    proxy.failAlways(503);

    assertThatThrownBy(() -> client.resolve(viaProxy, AMD64))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("GET " + proxy.url() + "/v2/faults/app/manifests/1")
        .hasMessageContaining(
            "failed after " + RegistryExtension.FAST_RETRY.maxAttempts() + " attempts")
        .hasMessageContaining("UNAVAILABLE: injected by FaultyProxy")
        .hasMessageContaining("503");
    assertThat(proxy.requests()).hasSize(RegistryExtension.FAST_RETRY.maxAttempts());
  }

  @Test
  void clientErrorsAreNotRetried() {
    assertThatThrownBy(() -> client.resolve(viaProxy.withTag("missing"), AMD64))
        .isInstanceOf(RegistryException.class)
        .hasMessageStartingWith("MANIFEST_UNKNOWN");
    assertThat(proxy.requests()).hasSize(1);
  }

  private java.util.List<RecordedRequest> blobGets() {
    return proxy.requests().stream()
        .filter(r -> r.method().equals("GET") && r.path().contains("/blobs/"))
        .toList();
  }
}
