package dev.layercache.oci;

import static dev.layercache.oci.testing.TestImages.AMD64;
import static dev.layercache.oci.testing.TestImages.ARM64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import dev.layercache.oci.testing.TestIndex;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What every {@link RegistryClient} must do; each implementation's test extends this. */
abstract class RegistryClientContract {

  protected abstract RegistryClient client();

  /** A reference to {@code repositoryAndTag} in the registry under test. */
  protected abstract ImageReference reference(String repositoryAndTag);

  @Test
  void pushedIndexResolvesPerPlatform() throws IOException {
    TestIndex index = TestImages.multiPlatform(ImageFormat.OCI);
    ImageReference ref = reference("contract/multi:1");
    index.push(client(), ref);

    for (var platform : new Platform[] {AMD64, ARM64}) {
      ResolvedImage resolved = client().resolve(ref, platform);
      TestImage expected = index.images().get(platform.equals(AMD64) ? 0 : 1);
      assertThat(resolved.manifestDigest()).isEqualTo(expected.digest());
      assertThat(resolved.indexDigest()).contains(index.digest());
      assertThat(resolved.diffIds()).isEqualTo(expected.diffIds());
    }
  }

  @Test
  void blobsRoundTripAndAreSkippedOrMountedWhenPresent() throws IOException {
    byte[] content = "contract blob".getBytes(StandardCharsets.UTF_8);
    Descriptor blob = Descriptor.of("application/octet-stream", content);
    ImageReference a = reference("contract/a:1");
    ImageReference b = reference("contract/b:1");

    assertThat(client().blobExists(a, blob.digest())).isFalse();
    assertThat(client().pushBlob(a, blob, BlobContent.of(content)))
        .isEqualTo(BlobPushResult.UPLOADED);
    assertThat(client().pushBlob(a, blob, BlobContent.of(content)))
        .isEqualTo(BlobPushResult.EXISTS);
    assertThat(client().pushBlob(b, blob, BlobContent.of(content), Optional.of("contract/a")))
        .isEqualTo(BlobPushResult.MOUNTED);
    try (InputStream in = client().openBlob(b, blob)) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
  }

  @Test
  void unknownTagIsARegistryException() {
    assertThatThrownBy(() -> client().fetchManifest(reference("contract/none:missing")))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("MANIFEST_UNKNOWN");
  }
}
