package dev.layercache.agent.workspace;

import java.io.IOException;
import java.util.List;

/** Unmounting a workspace failed because processes still use it. */
public final class WorkspaceBusyException extends IOException {
  private static final long serialVersionUID = 1L;

  private final List<String> holders;

  WorkspaceBusyException(String name, java.nio.file.Path merged, List<String> holders) {
    super(
        "workspace "
            + name
            + " is busy: "
            + merged
            + (holders.isEmpty()
                ? " is in use (no holder found in /proc; another mount namespace?)"
                : " is in use by " + String.join(", ", holders))
            + "; stop them, or unmount with --force to detach it lazily");
    this.holders = List.copyOf(holders);
  }

  public List<String> holders() {
    return holders;
  }
}
