package dev.layercache.agent.workspace;

/**
 * A workspace as observed now.
 *
 * @param mounted its overlay is mounted at {@code layout.merged()}
 * @param upperBytes measured size of its upper layer
 */
public record WorkspaceInfo(
    WorkspaceRecord record, WorkspaceLayout layout, boolean mounted, long upperBytes) {

  /** Mounted, NotMounted (should be, but is not), or Retained. */
  public String state() {
    if (record.state() == WorkspaceRecord.State.RETAINED) {
      return mounted ? "Retained(mounted)" : "Retained";
    }
    return mounted ? "Mounted" : "NotMounted";
  }

  public boolean overSizeLimit() {
    return record.sizeLimitBytes() != null && upperBytes > record.sizeLimitBytes();
  }
}
