package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlatformTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "linux/amd64, linux/amd64",
    "linux/x86_64, linux/amd64",
    "Linux/AMD64, linux/amd64",
    "linux/aarch64, linux/arm64",
    "linux/arm64/v8, linux/arm64",
    "linux/arm64/8, linux/arm64",
    "linux/arm, linux/arm/v7",
    "linux/arm/6, linux/arm/v6",
    "linux/armhf, linux/arm/v7",
    "linux/armel, linux/arm/v6",
    "linux/i386, linux/386",
    "windows/amd64, windows/amd64",
  })
  void normalisesLikeContainerd(String input, String normalised) {
    assertThat(Platform.parse(input)).hasToString(normalised);
  }

  @Test
  void rejectsMalformedPlatforms() {
    assertThatThrownBy(() -> Platform.parse("linux"))
        .hasMessageContaining("expected os/arch or os/arch/variant");
    assertThatThrownBy(() -> Platform.parse("linux//v7"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hostMapsJvmArchitectureNames() {
    String saved = System.getProperty("os.arch");
    try {
      for (Map.Entry<String, String> e :
          Map.of("amd64", "amd64", "x86_64", "amd64", "aarch64", "arm64").entrySet()) {
        System.setProperty("os.arch", e.getKey());
        assertThat(Platform.host().architecture()).isEqualTo(e.getValue());
      }
    } finally {
      System.setProperty("os.arch", saved);
    }
  }

  @Test
  void matchingFollowsVariantRules() {
    Platform arm64 = Platform.parse("linux/arm64");
    Platform armV7 = Platform.parse("linux/arm/v7");

    assertThat(arm64.runs(Platform.parse("linux/arm64/v8"))).isTrue();
    assertThat(arm64.runs(Platform.parse("linux/amd64"))).isFalse();
    assertThat(arm64.runs(Platform.parse("windows/arm64"))).isFalse();
    assertThat(armV7.runs(Platform.parse("linux/arm/v6"))).isTrue();
    assertThat(armV7.runs(Platform.parse("linux/arm/v8"))).isFalse();
    assertThat(Platform.parse("linux/arm/v6").runs(armV7)).isFalse();
  }

  @Test
  void indexSelectionPrefersExactVariantThenTheClosestOlderOne() {
    Descriptor v5 = entry("linux/arm/v5", 'a');
    Descriptor v6 = entry("linux/arm/v6", 'b');
    Descriptor v7 = entry("linux/arm/v7", 'c');
    Descriptor amd = entry("linux/amd64", 'd');
    ImageIndex full = new ImageIndex(MediaTypes.OCI_INDEX, List.of(v5, v6, v7, amd));
    ImageIndex old = new ImageIndex(MediaTypes.OCI_INDEX, List.of(v5, v6, amd));

    assertThat(full.select(Platform.parse("linux/arm/v7"))).contains(v7);
    assertThat(old.select(Platform.parse("linux/arm/v7"))).contains(v6);
    assertThat(full.select(Platform.parse("linux/amd64"))).contains(amd);
    assertThat(full.select(Platform.parse("linux/s390x"))).isEqualTo(Optional.empty());
  }

  private static Descriptor entry(String platform, char hex) {
    return new Descriptor(
            MediaTypes.OCI_MANIFEST, Digest.parse("sha256:" + String.valueOf(hex).repeat(64)), 1)
        .withPlatform(Platform.parse(platform));
  }
}
