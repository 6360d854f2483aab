package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.layercache.oci.testing.FuzzBudget;

/**
 * Image references, digests and platforms as a registry, a manifest or a user writes them: each
 * parser fails only with its documented exception, and what parses prints back to itself.
 */
class ImageReferenceFuzzTest {

  @FuzzTest(maxDuration = FuzzBudget.CI)
  void parse(byte[] input) {
    String text = new String(input, java.nio.charset.StandardCharsets.UTF_8);
    try {
      ImageReference ref = ImageReference.parse(text);
      assertThat(ImageReference.parse(ref.toString())).isEqualTo(ref);
      assertThat(ref.manifestReference()).isNotEmpty();
    } catch (InvalidReferenceException expected) {
      assertThat(expected.getMessage()).contains("invalid image reference");
    }
    try {
      Digest digest = Digest.parse(text);
      assertThat(Digest.parse(digest.toString())).isEqualTo(digest);
    } catch (IllegalArgumentException expected) {
      assertThat(expected.getMessage()).isNotEmpty();
    }
    try {
      Platform platform = Platform.parse(text);
      assertThat(Platform.parse(platform.toString())).isEqualTo(platform);
      assertThat(platform.runs(platform)).isTrue();
    } catch (IllegalArgumentException expected) {
      assertThat(expected.getMessage()).contains("invalid platform");
    }
  }
}
