package dev.layercache.agent.unpack;

import java.io.IOException;

/** A layer that could not be unpacked: names the layer, the tar entry (if any) and the cause. */
public final class UnpackException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String layer;
  private final String entry;

  UnpackException(String layer, String entry, String reason, Throwable cause) {
    super(layer + (entry == null ? "" : ": entry " + entry) + ": " + reason, cause);
    this.layer = layer;
    this.entry = entry;
  }

  /** The caller's label for the layer, e.g. "image docker.io/x:1 layer sha256:...". */
  public String layer() {
    return layer;
  }

  /** The tar entry name as quoted in the message, or null when no entry was involved. */
  public String entry() {
    return entry;
  }
}
