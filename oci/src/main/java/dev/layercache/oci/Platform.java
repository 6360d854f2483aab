package dev.layercache.oci;

import java.util.Locale;

/**
 * An os/architecture/variant triple, normalised like containerd does: {@code aarch64} is {@code
 * arm64} (variant v8 is its default and is dropped), {@code arm} defaults to variant {@code v7}.
 */
public record Platform(String os, String architecture, String variant) {

  public Platform {
    os = os.toLowerCase(Locale.ROOT);
    String arch = architecture.toLowerCase(Locale.ROOT);
    String v = variant == null ? "" : variant.toLowerCase(Locale.ROOT);
    switch (arch) {
      case "x86_64", "x86-64", "amd64" -> {
        arch = "amd64";
        v = v.equals("v1") ? "" : v;
      }
      case "aarch64", "arm64" -> {
        arch = "arm64";
        v = v.equals("8") || v.equals("v8") ? "" : v;
      }
      case "armhf" -> {
        arch = "arm";
        v = "v7";
      }
      case "armel" -> {
        arch = "arm";
        v = "v6";
      }
      case "arm" -> v = v.isEmpty() ? "v7" : v.startsWith("v") ? v : "v" + v;
      case "i386", "i686" -> arch = "386";
      default -> {}
    }
    architecture = arch;
    variant = v;
  }

  public Platform(String os, String architecture) {
    this(os, architecture, "");
  }

  /** Parses {@code os/arch} or {@code os/arch/variant}, e.g. {@code linux/arm64/v8}. */
  public static Platform parse(String value) {
    String[] parts = value.split("/", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException(
          "invalid platform \"" + value + "\": expected os/arch or os/arch/variant");
    }
    return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : "");
  }

  /** The platform this JVM runs on. */
  public static Platform host() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    if (os.startsWith("mac")) {
      os = "darwin";
    } else if (os.startsWith("windows")) {
      os = "windows";
    }
    return new Platform(os, System.getProperty("os.arch"), "");
  }

  /**
   * Whether an image built for {@code image} runs here: same os and architecture, and the same
   * variant, except that an arm CPU also runs older arm variants (v7 runs v6 and v5).
   */
  public boolean runs(Platform image) {
    if (!os.equals(image.os) || !architecture.equals(image.architecture)) {
      return false;
    }
    if (variant.equals(image.variant)) {
      return true;
    }
    return architecture.equals("arm") && armLevel(image.variant) < armLevel(variant);
  }

  /** Higher is a better match for this platform; negative when {@code image} does not run here. */
  int score(Platform image) {
    if (!runs(image)) {
      return -1;
    }
    return variant.equals(image.variant) ? 100 : armLevel(image.variant);
  }

  private static int armLevel(String variant) {
    try {
      return Integer.parseInt(variant.substring(1));
    } catch (RuntimeException e) {
      return 0;
    }
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }
}
