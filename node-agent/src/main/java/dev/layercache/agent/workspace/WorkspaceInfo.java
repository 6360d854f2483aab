package dev.layercache.agent.workspace;

import java.nio.file.Path;
import java.util.List;

/**
 * A workspace as observed now.
 *
 * @param mounted its overlay is mounted at {@code layout.merged()}
 * @param upperBytes measured size of its upper layer
 * @param binds where its merged view is bind-mounted too (pods' volumes, through CSI)
 */
public record WorkspaceInfo(
    WorkspaceRecord record,
    WorkspaceLayout layout,
    boolean mounted,
    long upperBytes,
    List<Path> binds) {

  public WorkspaceInfo {
    binds = List.copyOf(binds);
  }

  /**
   * Mounted, Mounted(volatile) (a crash discards its upper), NotMounted (should be, but is not), or
   * Retained (unmounted, upper kept).
   */
  public String state() {
    if (record.state() == WorkspaceRecord.State.RETAINED) {
      return mounted ? "Retained(mounted)" : "Retained";
    }
    if (!mounted) {
      return "NotMounted";
    }
    return record.volatileUpper() ? "Mounted(volatile)" : "Mounted";
  }

  /** What removing it does to its upper layer, in the API's words: Retain or Delete. */
  public String reclaimPolicy() {
    return record.retain() ? "Retain" : "Delete";
  }

  public boolean overSizeLimit() {
    return record.sizeLimitBytes() != null && upperBytes > record.sizeLimitBytes();
  }
}
