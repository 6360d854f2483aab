package dev.layercache.agent.unpack;

import java.io.IOException;

/** The uncompressed bytes of a layer do not hash to the diffID the image config promised. */
public final class DiffIdMismatchException extends IOException {
  private static final long serialVersionUID = 1L;

  DiffIdMismatchException(String expected, String actual, long bytes) {
    super(
        "diffID mismatch: expected "
            + expected
            + " but the "
            + bytes
            + " uncompressed bytes hash to "
            + actual);
  }
}
