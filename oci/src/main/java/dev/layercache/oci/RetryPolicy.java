package dev.layercache.oci;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently to retry: exponential backoff with jitter, capped, and a bounded
 * number of attempts. A server's Retry-After is honoured up to {@code maxRetryAfter}.
 */
public record RetryPolicy(
    int maxAttempts, Duration initialDelay, Duration maxDelay, Duration maxRetryAfter) {

  public static final RetryPolicy DEFAULT =
      new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofSeconds(60));

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
  }

  /** Whether a response with this status is worth another try. */
  public static boolean isRetryable(int status) {
    return status == 429 || status == 408 || (status >= 500 && status != 501 && status != 505);
  }

  /** The pause before attempt {@code failedAttempt + 1}. */
  public Duration delay(int failedAttempt, Optional<Duration> retryAfter) {
    if (retryAfter.isPresent()) {
      Duration wanted = retryAfter.get();
      return wanted.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : wanted;
    }
    long base = initialDelay.toMillis() << Math.min(failedAttempt - 1, 20);
    long capped = Math.min(base, maxDelay.toMillis());
    // "Equal jitter": half fixed, half random, so clients that failed together spread out.
    return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
  }

  /** Parses a Retry-After value: delay seconds or an HTTP-date. */
  public static Optional<Duration> parseRetryAfter(String value, Instant now) {
    String v = value.strip();
    try {
      return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v))));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration d = Duration.between(now, at);
        return Optional.of(d.isNegative() ? Duration.ZERO : d);
      } catch (DateTimeParseException notDate) {
        return Optional.empty();
      }
    }
  }
}
