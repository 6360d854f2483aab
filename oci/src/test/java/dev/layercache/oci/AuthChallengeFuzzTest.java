package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.layercache.oci.testing.FuzzBudget;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * What a registry's 401 and its token service send: a WWW-Authenticate header and a token response.
 * Parsing never throws; the token request is an http(s) URL or a {@link RegistryException}; the
 * token response is a token or an {@link IOException}.
 */
class AuthChallengeFuzzTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  /** Input: the header, a newline, a scope (may be empty), a newline, the token response. */
  @FuzzTest(maxDuration = FuzzBudget.CI)
  void challengeAndToken(byte[] input) {
    String[] parts = new String(input, StandardCharsets.ISO_8859_1).split("\n", 3);
    String header = parts[0];
    List<String> scopes = parts.length > 1 && !parts[1].isEmpty() ? List.of(parts[1]) : List.of();
    byte[] tokenResponse =
        parts.length > 2 ? parts[2].getBytes(StandardCharsets.ISO_8859_1) : new byte[0];
    AuthChallenge.parse(header)
        .ifPresent(
            challenge -> {
              assertThat(challenge.scheme()).isNotEmpty().isLowerCase();
              try {
                URI uri = RegistryAuth.tokenUri("registry.example", challenge, scopes);
                assertThat(uri.getScheme().toLowerCase(java.util.Locale.ROOT))
                    .isIn("http", "https");
                assertThat(uri.getHost()).isNotNull();
              } catch (RegistryException expected) {
                assertThat(expected.getMessage()).contains("registry.example");
              }
            });
    try {
      RegistryAuth.Token token = RegistryAuth.readToken(tokenResponse, "realm.example", NOW);
      assertThat(token.value()).isNotEmpty();
      assertThat(token.expires()).isAfter(NOW);
    } catch (IOException expected) {
      assertThat(expected.getMessage()).contains("realm.example");
    }
  }
}
