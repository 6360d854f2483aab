package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {

  @Test
  void parsesDockerHubBearerChallenge() {
    AuthChallenge c =
        AuthChallenge.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                    + "scope=\"repository:library/ubuntu:pull\"")
            .orElseThrow();

    assertThat(c.isBearer()).isTrue();
    assertThat(c.params())
        .isEqualTo(
            Map.of(
                "realm", "https://auth.docker.io/token",
                "service", "registry.docker.io",
                "scope", "repository:library/ubuntu:pull"));
  }

  @Test
  void parsesMultipleScopesErrorsAndUnquotedValues() {
    AuthChallenge c =
        AuthChallenge.parse(
                "bearer realm=\"http://127.0.0.1:1/token\", service=reg,"
                    + " scope=\"repository:a:pull repository:b:pull,push\", error=\"insufficient_scope\"")
            .orElseThrow();

    assertThat(c.isBearer()).isTrue();
    assertThat(c.param("service")).isEqualTo("reg");
    assertThat(c.param("scope")).isEqualTo("repository:a:pull repository:b:pull,push");
    assertThat(c.param("error")).isEqualTo("insufficient_scope");
  }

  @Test
  void parsesBasicChallenge() {
    AuthChallenge c = AuthChallenge.parse("Basic realm=\"layercache-test\"").orElseThrow();

    assertThat(c.isBasic()).isTrue();
    assertThat(c.param("realm")).isEqualTo("layercache-test");
  }

  @Test
  void handlesEscapesAndEmptyHeaders() {
    assertThat(AuthChallenge.parse("Bearer realm=\"a\\\"b\"").orElseThrow().param("realm"))
        .isEqualTo("a\"b");
    assertThat(AuthChallenge.parse("  ")).isEmpty();
  }
}
