package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.layercache.oci.testing.FuzzBudget;
import java.util.Arrays;
import java.util.List;

/**
 * Manifests, indexes and configs as a registry sends them, and the platform choice in an index:
 * every failure is an {@link InvalidManifestException}, and what parses writes back to JSON that
 * parses to the same thing.
 */
class ManifestFuzzTest {
  private static final List<String> CONTENT_TYPES =
      List.of(
          "",
          MediaTypes.OCI_MANIFEST,
          MediaTypes.OCI_INDEX,
          MediaTypes.DOCKER_MANIFEST,
          MediaTypes.DOCKER_MANIFEST_LIST,
          "application/vnd.docker.distribution.manifest.v1+prettyjws",
          "application/json");
  private static final List<Platform> HOSTS =
      List.of(
          Platform.parse("linux/amd64"),
          Platform.parse("linux/arm64"),
          Platform.parse("linux/arm/v7"),
          Platform.parse("windows/amd64"));

  /** The first byte picks the Content-Type and the host platform; the rest is the blob. */
  @FuzzTest(maxDuration = FuzzBudget.CI)
  void parse(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int choice = input[0] & 0xff;
    String contentType = CONTENT_TYPES.get(choice % CONTENT_TYPES.size());
    Platform host = HOSTS.get(choice / CONTENT_TYPES.size() % HOSTS.size());
    byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
    Digest digest = Digest.sha256(bytes);
    try {
      ManifestBlob blob = ManifestBlob.of(bytes, contentType, digest);
      if (blob.isIndex()) {
        ImageIndex index = ImageIndex.parse(blob);
        index.select(host).ifPresent(d -> assertThat(host.runs(d.platform().get())).isTrue());
        assertThat(index.platforms()).hasSizeLessThanOrEqualTo(index.manifests().size());
        ManifestBlob again = ManifestBlob.of(index.toJson(), "", digest);
        assertThat(ImageIndex.parse(again).manifests()).isEqualTo(index.manifests());
      } else {
        ImageManifest manifest = ImageManifest.parse(blob);
        ManifestBlob again = ManifestBlob.of(manifest.toJson(), "", digest);
        assertThat(ImageManifest.parse(again)).isEqualTo(manifest);
      }
    } catch (InvalidManifestException expected) {
      assertThat(expected.getMessage()).contains(digest.toString());
    }
    try {
      ImageConfig config = ImageConfig.parse(bytes, digest);
      assertThat(config.platform().runs(config.platform())).isTrue();
    } catch (InvalidManifestException expected) {
      assertThat(expected.getMessage()).contains(digest.toString());
    }
  }
}
