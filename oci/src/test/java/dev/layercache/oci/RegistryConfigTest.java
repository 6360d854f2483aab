package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RegistryConfigTest {

  @Test
  void dockerHubUsesItsApiHostOverHttps() {
    assertThat(RegistryConfig.defaults().endpoint("docker.io"))
        .isEqualTo(URI.create("https://registry-1.docker.io"));
  }

  @Test
  void loopbackIsPlainHttpWithoutConfigurationOthersNeedIt() {
    RegistryConfig config = RegistryConfig.builder().plainHttp("registry.lan:5000").build();

    assertThat(config.endpoint("localhost:5000")).hasScheme("http");
    assertThat(config.endpoint("127.0.0.1:5000")).hasScheme("http");
    assertThat(config.endpoint("127.1.2.3")).hasScheme("http");
    assertThat(config.endpoint("[::1]:5000")).isEqualTo(URI.create("http://[::1]:5000"));
    assertThat(config.endpoint("registry.lan:5000")).hasScheme("http");
    assertThat(config.endpoint("ghcr.io")).hasScheme("https");
    assertThat(config.endpoint("127.0.0.1.example.com")).hasScheme("https");
  }

  @Test
  void mirrorsComeFirstInOrder() {
    RegistryConfig config =
        RegistryConfig.builder()
            .mirror("docker.io", URI.create("https://mirror-a.example"))
            .mirror("docker.io", URI.create("http://127.0.0.1:5001"))
            .build();

    assertThat(config.pullEndpoints("docker.io"))
        .containsExactly(
            URI.create("https://mirror-a.example"),
            URI.create("http://127.0.0.1:5001"),
            URI.create("https://registry-1.docker.io"));
    assertThat(config.pullEndpoints("ghcr.io")).containsExactly(URI.create("https://ghcr.io"));
  }

  @Test
  void retryAfterAcceptsSecondsAndHttpDates() {
    Instant now = Instant.parse("2025-01-01T00:00:00Z");

    assertThat(RetryPolicy.parseRetryAfter("7", now)).contains(Duration.ofSeconds(7));
    assertThat(RetryPolicy.parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", now))
        .contains(Duration.ofSeconds(30));
    assertThat(RetryPolicy.parseRetryAfter("soon", now)).isEmpty();
  }

  @Test
  void backoffGrowsWithJitterAndIsCapped() {
    RetryPolicy policy =
        new RetryPolicy(5, Duration.ofMillis(100), Duration.ofMillis(1000), Duration.ofSeconds(5));

    assertThat(policy.delay(1, Optional.empty()))
        .isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    assertThat(policy.delay(3, Optional.empty()))
        .isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
    assertThat(policy.delay(10, Optional.empty()))
        .isBetween(Duration.ofMillis(500), Duration.ofMillis(1000));
    assertThat(policy.delay(1, Optional.of(Duration.ofSeconds(60))))
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(RetryPolicy.isRetryable(503)).isTrue();
    assertThat(RetryPolicy.isRetryable(429)).isTrue();
    assertThat(RetryPolicy.isRetryable(404)).isFalse();
    assertThat(RetryPolicy.isRetryable(401)).isFalse();
  }
}
