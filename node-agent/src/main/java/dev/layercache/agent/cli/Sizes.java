package dev.layercache.agent.cli;

/** Human-readable byte counts in powers of 1000, as `docker images` shows them. */
final class Sizes {
  private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB"};

  private Sizes() {}

  static String human(long bytes) {
    if (bytes < 0) {
      return "-";
    }
    double value = bytes;
    int unit = 0;
    while (value >= 1000 && unit < UNITS.length - 1) {
      value /= 1000;
      unit++;
    }
    return unit == 0 ? bytes + "B" : String.format("%.3g%s", value, UNITS[unit]);
  }

  /** An upper's size, with its limit when it has one: {@code 12MB/1.00GB (over limit)}. */
  static String upper(long bytes, Long limit) {
    if (limit == null) {
      return human(bytes);
    }
    return human(bytes) + "/" + human(limit) + (bytes > limit ? " (over limit)" : "");
  }
}
