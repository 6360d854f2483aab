package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {
  private static final String DIGEST =
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "ubuntu                          | docker.io      | library/ubuntu    | latest | docker.io/library/ubuntu:latest",
        "ubuntu:22.04                    | docker.io      | library/ubuntu    | 22.04  | docker.io/library/ubuntu:22.04",
        "library/ubuntu                  | docker.io      | library/ubuntu    | latest | docker.io/library/ubuntu:latest",
        "docker.io/ubuntu                | docker.io      | library/ubuntu    | latest | docker.io/library/ubuntu:latest",
        "index.docker.io/acme/app:v1     | docker.io      | acme/app          | v1     | docker.io/acme/app:v1",
        "acme/app                        | docker.io      | acme/app          | latest | docker.io/acme/app:latest",
        "ghcr.io/acme/tools/cli:1.2.3    | ghcr.io        | acme/tools/cli    | 1.2.3  | ghcr.io/acme/tools/cli:1.2.3",
        "localhost/app                   | localhost      | app               | latest | localhost/app:latest",
        "localhost:5000/app:dev          | localhost:5000 | app               | dev    | localhost:5000/app:dev",
        "127.0.0.1:5000/a/b_c/d-e.f:x_Y  | 127.0.0.1:5000 | a/b_c/d-e.f       | x_Y    | 127.0.0.1:5000/a/b_c/d-e.f:x_Y",
        "[::1]:5000/app:1                | [::1]:5000     | app               | 1      | [::1]:5000/app:1",
        "[::1]/app                       | [::1]          | app               | latest | [::1]/app:latest",
        "Registry/app                    | Registry       | app               | latest | Registry/app:latest",
        "a__b/c---d                      | docker.io      | a__b/c---d        | latest | docker.io/a__b/c---d:latest",
      })
  void parsesAndNormalises(
      String input, String registry, String repository, String tag, String canonical) {
    ImageReference ref = ImageReference.parse(input);

    assertThat(ref.registry()).isEqualTo(registry);
    assertThat(ref.repository()).isEqualTo(repository);
    assertThat(ref.tag()).contains(tag);
    assertThat(ref.digest()).isEmpty();
    assertThat(ref).hasToString(canonical);
    assertThat(ImageReference.parse(ref.toString())).isEqualTo(ref);
  }

  @Test
  void digestOnlyHasNoDefaultTag() {
    ImageReference ref = ImageReference.parse("alpine@" + DIGEST);

    assertThat(ref.tag()).isEmpty();
    assertThat(ref.digest()).contains(Digest.parse(DIGEST));
    assertThat(ref.manifestReference()).isEqualTo(DIGEST);
    assertThat(ref).hasToString("docker.io/library/alpine@" + DIGEST);
  }

  @Test
  void tagAndDigestKeepsBothAndFetchesByDigest() {
    ImageReference ref = ImageReference.parse("ghcr.io/acme/app:1.0@" + DIGEST);

    assertThat(ref.tag()).contains("1.0");
    assertThat(ref.manifestReference()).isEqualTo(DIGEST);
    assertThat(ref).hasToString("ghcr.io/acme/app:1.0@" + DIGEST);
  }

  @Test
  void withDigestPinsAndWithTagUnpins() {
    ImageReference ref = ImageReference.parse("localhost:5000/app:1");
    Digest digest = Digest.parse(DIGEST);

    assertThat(ref.withDigest(digest)).hasToString("localhost:5000/app:1@" + DIGEST);
    assertThat(ref.withDigest(digest).withTag("2")).hasToString("localhost:5000/app:2");
    assertThat(ref.name()).isEqualTo("localhost:5000/app");
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''                            | reference is empty",
        "'   '                         | reference is empty",
        "Ubuntu                        | repository name \"library/Ubuntu\" must be lowercase",
        "docker.io/Acme/app            | repository name \"Acme/app\" must be lowercase",
        "ubuntu:                       | tag is empty",
        "ubuntu:-bad                   | invalid tag \"-bad\"",
        "ubuntu:bad!tag                | invalid tag \"bad!tag\"",
        "ubuntu@sha256:abc             | invalid sha256 digest \"abc\": expected 64 lowercase hex",
        "ubuntu@md5:abc                | unsupported digest algorithm \"md5\"",
        "ubuntu@nodigest               | expected <algorithm>:<hex>",
        "ghcr.io/                      | repository name is empty",
        "ghcr.io/acme//app             | invalid repository name component \"\"",
        "ghcr.io/acme/-app             | invalid repository name component \"-app\"",
        "ghcr.io/acme/app.             | invalid repository name component \"app.\"",
        "bad_host.io/app               | invalid registry host \"bad_host.io\"",
        "'ubuntu latest'               | reference contains whitespace",
      })
  void rejectsWithAMessageSayingWhatIsWrong(String input, String problem) {
    assertThatThrownBy(() -> ImageReference.parse(input))
        .isInstanceOf(InvalidReferenceException.class)
        .hasMessageStartingWith("invalid image reference")
        .hasMessageContaining(problem);
  }

  @Test
  void rejectsOverlongNames() {
    String longName = "ghcr.io/" + "a".repeat(250);

    assertThatThrownBy(() -> ImageReference.parse(longName))
        .isInstanceOf(InvalidReferenceException.class)
        .hasMessageContaining("longer than 255");
  }
}
