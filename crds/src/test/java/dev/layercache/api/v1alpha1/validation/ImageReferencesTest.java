package dev.layercache.api.v1alpha1.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferencesTest {

  private static final String HEX =
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "busybox",
        "busybox:1.36",
        "library/busybox",
        "docker.io/library/python:3.12-slim",
        "Docker.io/library/python", // registries are case-insensitive host names, as in Docker
        "localhost:5000/library/busybox:latest",
        "127.0.0.1:5000/a/b/c",
        "[::1]:5000/busybox",
        "ghcr.io/acme/my_app__x.y-z:v1.2_3",
        "ghcr.io/acme/app@sha256:" + HEX,
        "ghcr.io/acme/app:1@sha256:" + HEX,
      })
  void acceptsReferencesDockerAccepts(String reference) {
    assertThat(ImageReferences.findProblem(reference)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "docker.io/Library/python | repository must be lowercase",
        "Busybox | repository must be lowercase",
        "busybox:-1 | tag \"-1\" must be 1 to 128 letters, digits",
        "busybox@sha256:ABC | digest \"sha256:ABC\" must be sha256: followed by 64",
        "busybox@md5:abc | digest \"md5:abc\" must be sha256:",
        "bad_host.io:5000/x | registry \"bad_host.io:5000\" is not a host name",
        "a//b | repository \"a//b\" must be lowercase letters and digits",
        "busy box | must not contain whitespace",
        "-busybox | repository \"-busybox\" must be lowercase letters and digits",
      })
  void namesTheBrokenPart(String reference, String cause) {
    assertThat(ImageReferences.findProblem(reference)).get(STRING).startsWith(cause);
  }

  @Test
  void rejectsEmptyAndOverlongReferences() {
    assertThat(ImageReferences.findProblem("")).contains("must not be empty");
    assertThat(ImageReferences.findProblem(null)).contains("must not be empty");
    assertThat(ImageReferences.findProblem("a".repeat(513)))
        .contains("is longer than 512 characters");
  }
}
