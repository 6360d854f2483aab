package dev.layercache.oci;

import java.io.IOException;

/** Content did not hash to, or was not as long as, the digest and size that named it. */
public final class DigestMismatchException extends IOException {
  private final Digest expected;

  public DigestMismatchException(Digest expected, String problem) {
    super("content of " + expected + " failed verification: " + problem);
    this.expected = expected;
  }

  public Digest expected() {
    return expected;
  }
}
