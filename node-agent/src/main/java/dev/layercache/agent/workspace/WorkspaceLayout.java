package dev.layercache.agent.workspace;

import java.nio.file.Path;

/** The directories of one workspace: {@code upper/}, {@code work/}, {@code merged/}, the record. */
public record WorkspaceLayout(Path dir) {
  public Path upper() {
    return dir.resolve("upper");
  }

  public Path work() {
    return dir.resolve("work");
  }

  public Path merged() {
    return dir.resolve("merged");
  }

  public Path record() {
    return dir.resolve("workspace.json");
  }

  /**
   * overlayfs creates this in the workdir of a {@code volatile} mount and refuses to mount that
   * workdir again while it exists: the upper may have lost writes in a crash.
   */
  public Path volatileMarker() {
    return work().resolve("work").resolve("incompat").resolve("volatile");
  }
}
