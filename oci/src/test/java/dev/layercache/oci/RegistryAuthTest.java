package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryAuthTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void aTokenIsRenewedTenSecondsBeforeItExpires() throws Exception {
    RegistryAuth.Token token = read("{\"token\":\"abc\",\"expires_in\":300}");

    assertThat(token.value()).isEqualTo("abc");
    assertThat(token.expires()).isEqualTo(NOW.plusSeconds(290));
  }

  /** Instant ends near 3e16 seconds: a token service's number must not make the pull fail. */
  @ParameterizedTest
  @ValueSource(strings = {"100000000000000000", "9223372036854775807", "1e300"})
  void aLifetimeBeyondADayIsADay(String expiresIn) throws Exception {
    RegistryAuth.Token token = read("{\"token\":\"abc\",\"expires_in\":" + expiresIn + "}");

    assertThat(token.expires()).isEqualTo(NOW.plus(Duration.ofDays(1)).minusSeconds(10));
  }

  private static RegistryAuth.Token read(String json) throws Exception {
    return RegistryAuth.readToken(json.getBytes(StandardCharsets.UTF_8), "realm.example", NOW);
  }
}
