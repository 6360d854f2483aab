package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.oci.testing.FuzzSeeds;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import dev.layercache.oci.testing.TestIndex;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The oci fuzz targets' seeds: the unit tests' own images, references, challenges and configs. */
class OciFuzzSeedsTest {

  @Test
  void manifestSeedsAreTheTestImages() throws Exception {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    for (ImageFormat format : ImageFormat.values()) {
      TestImage image = TestImages.sample(format, TestImages.AMD64);
      TestIndex index = TestImages.multiPlatform(format);
      String name = format.name().toLowerCase(java.util.Locale.ROOT);
      seeds.put(name + "-manifest", withChoice(0, image.manifest()));
      seeds.put(name + "-index-arm64", withChoice(7, index.json()));
      seeds.put(name + "-config", withChoice(0, image.configJson()));
      // What they seed must be valid: the fuzzer starts from deep inside the parsers.
      assertThat(ImageIndex.parse(ManifestBlob.of(index.json(), "", index.digest())).platforms())
          .hasSize(2);
      assertThat(ImageConfig.parse(image.configJson(), image.config().digest()).diffIds())
          .hasSize(image.layers().size());
    }
    FuzzSeeds.check(ManifestFuzzTest.class.getName(), "parse", seeds);
  }

  @Test
  void referenceSeeds() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    String digest = "sha256:" + "a".repeat(64);
    String[] inputs = {
      "ubuntu",
      "docker.io/library/ubuntu:22.04",
      "127.0.0.1:5000/team/app@" + digest,
      "[::1]:5000/x/y:v1.2_3",
      "localhost/a__b.c-d:t",
      "linux/arm/v7",
      digest
    };
    for (int i = 0; i < inputs.length; i++) {
      seeds.put(String.valueOf(i), utf8(inputs[i]));
    }
    ImageReference.parse(inputs[2]);
    FuzzSeeds.check(ImageReferenceFuzzTest.class.getName(), "parse", seeds);
  }

  @Test
  void challengeSeeds() throws Exception {
    String bearer =
        "Bearer realm=\"http://127.0.0.1:5001/token?x=1\",service=\"registry\","
            + "scope=\"repository:team/app:pull\"";
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.put(
        "bearer",
        utf8(bearer + "\nrepository:team/app:pull,push\n{\"token\":\"abc\",\"expires_in\":300}"));
    seeds.put("oauth", utf8(bearer + "\n\n{\"access_token\":\"xyz\"}"));
    seeds.put("basic", utf8("Basic realm=\"registry \\\"quoted\\\"\", charset=UTF-8"));
    RegistryAuth.readToken(
        utf8("{\"token\":\"abc\",\"expires_in\":300}"), "r", java.time.Instant.EPOCH);
    FuzzSeeds.check(AuthChallengeFuzzTest.class.getName(), "challengeAndToken", seeds);
  }

  @Test
  void dockerConfigSeeds() throws Exception {
    byte[] config = utf8(CredentialStoreTest.CONFIG);
    assertThat(CredentialStore.fromDockerConfigJson(config).forRegistry("ghcr.io")).isPresent();
    FuzzSeeds.check(
        DockerConfigFuzzTest.class.getName(),
        "parse",
        Map.of(
            "config-json",
            config,
            "dockerconfigjson-base64",
            utf8(Base64.getEncoder().encodeToString(config))));
  }

  private static byte[] withChoice(int choice, byte[] blob) {
    byte[] input = new byte[blob.length + 1];
    input[0] = (byte) choice;
    System.arraycopy(blob, 0, input, 1, blob.length);
    return input;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
