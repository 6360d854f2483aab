package dev.layercache.agent.snapshot;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One snapshot as the snapshotter records it: containerd's view (name, parent, kind, labels, times)
 * and where its tree lives. A snapshot of a layer in the store ({@code diffId} set) has no
 * directory of its own: its tree is the store's layer directory.
 *
 * @param name containerd's key for the snapshot (its backend key, namespace prefix included)
 * @param parent the parent's name, empty for none
 * @param id the snapshot's own directory under {@code ROOT/snapshots/}, null for a store layer
 * @param diffId the store layer whose {@code diff/} is this snapshot's tree, else null
 * @param chainId chain ID of the committed tree when known (store layers, unpacked layers)
 */
public record Snapshot(
    String name,
    String parent,
    Kind kind,
    Map<String, String> labels,
    Instant createdAt,
    Instant updatedAt,
    String id,
    String diffId,
    String chainId) {

  /** containerd's snapshot kinds (the wire enum without UNKNOWN). */
  public enum Kind {
    VIEW,
    ACTIVE,
    COMMITTED
  }

  public Snapshot {
    parent = parent == null ? "" : parent;
    labels = labels == null ? Map.of() : new TreeMap<>(labels);
  }

  public boolean inStore() {
    return diffId != null;
  }

  public Snapshot withLabels(Map<String, String> newLabels, Instant now) {
    return new Snapshot(name, parent, kind, newLabels, createdAt, now, id, diffId, chainId);
  }
}
