package dev.layercache.agent.workspace;

import java.time.Instant;
import java.util.List;

/**
 * A workspace as persisted in {@code ROOT/workspaces/NAME/workspace.json}: everything needed to
 * mount it again after a restart.
 *
 * @param image the image reference its lower layers came from
 * @param manifestDigest the manifest those layers were read from (the commit base)
 * @param lowers the lower layers' diffIDs, base first (as in the image config)
 * @param retain keep the upper layer when the workspace is deleted (reclaimPolicy Retain)
 * @param volatileUpper mounted with {@code volatile}: the upper is thrown away after a crash
 * @param sizeLimitBytes the largest upper layer wanted, or null (reported, not enforced)
 * @param owner who created it: {@code cli} or the object that asked, e.g. {@code
 *     OverlayWorkspace/default/scratch}
 * @param state whether it should be mounted ({@link State#ACTIVE}) or only its upper is kept
 */
public record WorkspaceRecord(
    String name,
    String image,
    String manifestDigest,
    List<String> lowers,
    boolean retain,
    boolean allowSetuid,
    boolean allowDevices,
    boolean volatileUpper,
    Long sizeLimitBytes,
    String owner,
    State state,
    Instant createdAt) {

  /** The lifecycle of a workspace record. */
  public enum State {
    /** Should be mounted. */
    ACTIVE,
    /** Unmounted, upper layer kept (umount --keep-upper, or deleted with reclaimPolicy Retain). */
    RETAINED
  }

  public WorkspaceRecord {
    lowers = List.copyOf(lowers);
  }

  /** The settings {@code request} asks for, this record's identity, state and volatility. */
  WorkspaceRecord withSettings(WorkspaceRequest request) {
    return new WorkspaceRecord(
        name,
        image,
        manifestDigest,
        lowers,
        request.retain(),
        request.allowSetuid(),
        request.allowDevices(),
        volatileUpper,
        request.sizeLimitBytes(),
        owner,
        state,
        createdAt);
  }

  /**
   * What differs between this record's settings and {@code other}'s, e.g. "retain: false -> true".
   */
  List<String> settingChanges(WorkspaceRecord other) {
    List<String> changes = new java.util.ArrayList<>();
    change(changes, "retain", retain, other.retain);
    change(changes, "allowSetuid", allowSetuid, other.allowSetuid);
    change(changes, "allowDevices", allowDevices, other.allowDevices);
    change(changes, "sizeLimitBytes", sizeLimitBytes, other.sizeLimitBytes);
    return changes;
  }

  private static void change(List<String> changes, String field, Object from, Object to) {
    if (!java.util.Objects.equals(from, to)) {
      changes.add(field + ": " + from + " -> " + to);
    }
  }

  public WorkspaceRecord withState(State newState) {
    return new WorkspaceRecord(
        name,
        image,
        manifestDigest,
        lowers,
        retain,
        allowSetuid,
        allowDevices,
        volatileUpper,
        sizeLimitBytes,
        owner,
        newState,
        createdAt);
  }

  public WorkspaceRecord withVolatile(boolean value) {
    return new WorkspaceRecord(
        name,
        image,
        manifestDigest,
        lowers,
        retain,
        allowSetuid,
        allowDevices,
        value,
        sizeLimitBytes,
        owner,
        state,
        createdAt);
  }
}
