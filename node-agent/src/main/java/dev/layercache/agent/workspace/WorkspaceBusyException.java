package dev.layercache.agent.workspace;

import java.io.IOException;
import java.util.List;

/** Unmounting a workspace failed because processes still use it. */
public final class WorkspaceBusyException extends IOException {
  private static final long serialVersionUID = 1L;

  private final List<String> holders;
  private final List<java.nio.file.Path> binds;

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
    this.binds = List.of();
  }

  /** Removal refused: the workspace is bind-mounted at {@code binds} (pods use it). */
  WorkspaceBusyException(String name, List<java.nio.file.Path> binds) {
    super(
        "workspace "
            + name
            + " is in use by pods: bind-mounted at "
            + binds.stream()
                .map(Object::toString)
                .collect(java.util.stream.Collectors.joining(", "))
            + "; it can be removed once they are gone (their volumes unpublished)");
    this.holders = binds.stream().map(Object::toString).toList();
    this.binds = List.copyOf(binds);
  }

  /** Where pods see the workspace, when that is what holds it. */
  public List<java.nio.file.Path> binds() {
    return binds;
  }

  public List<String> holders() {
    return holders;
  }
}
