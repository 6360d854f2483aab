package dev.layercache.agent.csi;

import java.io.IOException;

/** A publish or unpublish refused for a reason the CSI spec names a code for. */
public final class VolumeException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The spec's codes this plugin answers with, by their gRPC names. */
  public enum Code {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    PERMISSION_DENIED,
    FAILED_PRECONDITION,
    RESOURCE_EXHAUSTED,
    UNAVAILABLE,
    INTERNAL
  }

  private final Code code;

  public VolumeException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public VolumeException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
