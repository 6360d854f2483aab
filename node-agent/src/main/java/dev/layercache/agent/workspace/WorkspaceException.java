package dev.layercache.agent.workspace;

import java.io.IOException;

/** A workspace operation that cannot be done as asked: no such workspace, already exists, ... */
public final class WorkspaceException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why: the caller's mistake (bad name, missing, conflicting) or the machine's. */
  public enum Kind {
    NOT_FOUND,
    CONFLICT,
    INVALID,
    /** It exists but is not mounted, so it cannot be used now. */
    NOT_MOUNTED
  }

  private final Kind kind;

  public WorkspaceException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
