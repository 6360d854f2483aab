package dev.layercache.oci;

import java.io.IOException;
import java.util.List;

/** The image has no variant for the requested platform; the message lists the ones it has. */
public final class NoMatchingPlatformException extends IOException {
  private final Platform wanted;
  private final List<Platform> available;

  public NoMatchingPlatformException(
      ImageReference image, Platform wanted, List<Platform> available) {
    super(
        "image "
            + image
            + " has no variant for platform "
            + wanted
            + " (it has: "
            + (available.isEmpty() ? "none" : available)
            + ")");
    this.wanted = wanted;
    this.available = List.copyOf(available);
  }

  public Platform wanted() {
    return wanted;
  }

  public List<Platform> available() {
    return available;
  }
}
