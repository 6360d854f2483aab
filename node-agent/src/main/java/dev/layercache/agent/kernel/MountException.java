package dev.layercache.agent.kernel;

import java.io.IOException;

/** A mount or unmount that failed: what was asked (source, target, type, options) and the errno. */
public final class MountException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int errno;

  MountException(String what, String description, SyscallException cause) {
    super(what + " failed: " + cause.getMessage() + " (" + description + ")", cause);
    this.errno = cause.errno();
  }

  MountException(String message) {
    super(message);
    this.errno = 0;
  }

  /** The errno of the failed call (16 is EBUSY), or 0 when no call was made. */
  public int errno() {
    return errno;
  }

  public boolean isBusy() {
    return errno == 16;
  }
}
