package dev.layercache.api.v1alpha1;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses Go duration strings ({@code 30m}, {@code 1h30m}, {@code 1.5h}, {@code 0s}): the grammar of
 * {@link Patterns#DURATION}, which API fields such as {@code refreshInterval} and the agent's flags
 * use.
 */
public final class GoDuration {
  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|µs|ms|s|m|h)");

  private GoDuration() {}

  /** The duration {@code text} names; {@link IllegalArgumentException} if it names none. */
  public static Duration parse(String text) {
    Matcher m = PART.matcher(text);
    double nanos = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      nanos += Double.parseDouble(m.group(1)) * unitNanos(m.group(2));
      end = m.end();
    }
    if (end != text.length() || text.isEmpty()) {
      throw new IllegalArgumentException("not a Go duration: " + text);
    }
    return Duration.ofNanos((long) nanos);
  }

  private static double unitNanos(String unit) {
    return switch (unit) {
      case "ns" -> 1;
      case "us", "µs" -> 1e3;
      case "ms" -> 1e6;
      case "s" -> 1e9;
      case "m" -> 60e9;
      default -> 3600e9;
    };
  }
}
