package dev.layercache.agent.snapshot;

/** A snapshot request containerd must hear about with one of its error codes. */
public final class SnapshotException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The containerd error a failure maps to (errdefs; gRPC codes of the same names). */
  public enum Reason {
    NOT_FOUND,
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    INVALID_ARGUMENT
  }

  private final Reason reason;

  public SnapshotException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  static SnapshotException notFound(String what) {
    return new SnapshotException(Reason.NOT_FOUND, what + ": not found");
  }

  static SnapshotException alreadyExists(String what) {
    return new SnapshotException(Reason.ALREADY_EXISTS, what + ": already exists");
  }
}
