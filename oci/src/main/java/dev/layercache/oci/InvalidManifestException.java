package dev.layercache.oci;

import java.io.IOException;

/** A manifest, index or config that is malformed or of a kind this client does not handle. */
public final class InvalidManifestException extends IOException {
  public InvalidManifestException(String message) {
    super(message);
  }

  public InvalidManifestException(String message, Throwable cause) {
    super(message, cause);
  }
}
