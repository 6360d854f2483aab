package dev.layercache.oci;

import static dev.layercache.oci.testing.TestImages.AMD64;
import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.oci.testing.FaultyProxy;
import dev.layercache.oci.testing.FaultyProxy.RecordedRequest;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Blob and manifest uploads against a real registry, watched through a (well-behaved) proxy. */
class PushIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  private final RegistryClient client = registry.client();

  @Test
  void smallBlobIsUploadedInOnePutAndThenExists() throws IOException {
    byte[] content = "monolithic blob".getBytes(StandardCharsets.UTF_8);
    Descriptor blob = Descriptor.of("application/octet-stream", content);
    ImageReference repo = registry.reference("push/mono:1");

    try (FaultyProxy proxy = FaultyProxy.start(registry.url())) {
      assertThat(client.pushBlob(proxy.reference(repo), blob, BlobContent.of(content)))
          .isEqualTo(BlobPushResult.UPLOADED);
      assertThat(methods(proxy)).containsExactly("HEAD", "POST", "PUT");
    }
    assertThat(client.blobExists(repo, blob.digest())).isTrue();
    assertThat(client.pushBlob(repo, blob, BlobContent.of(content)))
        .isEqualTo(BlobPushResult.EXISTS);
    assertThat(read(repo, blob)).isEqualTo(content);
  }

  @Test
  void largeBlobIsUploadedInChunks() throws IOException {
    byte[] content = new byte[10_000];
    new Random(7).nextBytes(content);
    Descriptor blob = Descriptor.of("application/octet-stream", content);
    ImageReference repo = registry.reference("push/chunked:1");
    RegistryClient chunking =
        new HttpRegistryClient(registry.configBuilder().chunkSize(4096).build());

    try (FaultyProxy proxy = FaultyProxy.start(registry.url())) {
      assertThat(chunking.pushBlob(proxy.reference(repo), blob, BlobContent.of(content)))
          .isEqualTo(BlobPushResult.UPLOADED);
      List<RecordedRequest> patches =
          proxy.requests().stream().filter(r -> r.method().equals("PATCH")).toList();
      assertThat(patches)
          .extracting(r -> r.header("Content-Range").orElse(""))
          .containsExactly("0-4095", "4096-8191", "8192-9999");
      assertThat(methods(proxy)).endsWith("PUT");
    }
    assertThat(read(repo, blob)).isEqualTo(content);
  }

  @Test
  void blobIsMountedFromAnotherRepositoryWithoutUploading() throws IOException {
    byte[] content = "shared base layer".getBytes(StandardCharsets.UTF_8);
    Descriptor blob = Descriptor.of("application/octet-stream", content);
    ImageReference source = registry.reference("push/source:1");
    ImageReference target = registry.reference("push/target:1");
    client.pushBlob(source, blob, BlobContent.of(content));

    try (FaultyProxy proxy = FaultyProxy.start(registry.url())) {
      BlobPushResult result =
          client.pushBlob(
              proxy.reference(target), blob, BlobContent.of(content), Optional.of("push/source"));
      assertThat(result).isEqualTo(BlobPushResult.MOUNTED);
      assertThat(methods(proxy)).containsExactly("HEAD", "POST");
    }
    assertThat(read(target, blob)).isEqualTo(content);
  }

  @Test
  void mountFromARepositoryWithoutTheBlobFallsBackToUpload() throws IOException {
    byte[] content = "not in the source".getBytes(StandardCharsets.UTF_8);
    Descriptor blob = Descriptor.of("application/octet-stream", content);
    ImageReference target = registry.reference("push/fallback:1");

    BlobPushResult result =
        client.pushBlob(target, blob, BlobContent.of(content), Optional.of("push/empty-source"));

    assertThat(result).isEqualTo(BlobPushResult.UPLOADED);
    assertThat(read(target, blob)).isEqualTo(content);
  }

  @Test
  void manifestPushReturnsTheDigestTheRegistryServes() throws IOException {
    TestImage image = TestImages.sample(ImageFormat.DOCKER, AMD64);
    ImageReference ref = registry.reference("push/manifest:1");

    Digest digest = image.push(client, ref);

    assertThat(digest).isEqualTo(Digest.sha256(image.manifest()));
    ManifestBlob fetched = client.fetchManifest(ref);
    assertThat(fetched.digest()).isEqualTo(digest);
    assertThat(fetched.bytes()).isEqualTo(image.manifest());
    assertThat(fetched.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
    // Pushing again by digest is idempotent and leaves the tag alone.
    assertThat(
            client.pushManifest(
                ref.withDigest(digest), image.manifestMediaType(), image.manifest()))
        .isEqualTo(digest);
  }

  private byte[] read(ImageReference repo, Descriptor blob) throws IOException {
    try (InputStream in = client.openBlob(repo, blob)) {
      return in.readAllBytes();
    }
  }

  private static List<String> methods(FaultyProxy proxy) {
    return proxy.requests().stream().map(RecordedRequest::method).toList();
  }
}
