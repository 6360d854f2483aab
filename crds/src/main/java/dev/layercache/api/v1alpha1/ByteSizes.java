package dev.layercache.api.v1alpha1;

import java.util.Locale;

/** Formats byte counts in Kubernetes binary units, as kubectl columns show them (412Mi, 1.2Gi). */
public final class ByteSizes {
  private static final String[] UNITS = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

  private ByteSizes() {}

  public static String binary(long bytes) {
    if (bytes < 1024) {
      return Long.toString(bytes);
    }
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    String number =
        value >= 10 || value == Math.rint(value)
            ? Long.toString(Math.round(value))
            : String.format(Locale.ROOT, "%.1f", value);
    return number + UNITS[unit];
  }
}
