package dev.layercache.agent.kernel;

import java.io.IOException;

/** A failed system call: which call, on what, and the errno it returned. */
public final class SyscallException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String call;
  private final int errno;

  SyscallException(String call, String subject, int errno, String errnoName, String description) {
    super(call + " " + subject + ": " + errnoName + " " + description);
    this.call = call;
    this.errno = errno;
  }

  /** The system call that failed, e.g. {@code mknod}. */
  public String call() {
    return call;
  }

  /** The errno value, e.g. 1 for EPERM. */
  public int errno() {
    return errno;
  }
}
