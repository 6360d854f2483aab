package dev.layercache.agent.cluster;

import dev.layercache.agent.store.PullListener;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.LayerStatus;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What the agent knows of each layer it was asked for: state and bytes, fed by the fetches. */
final class LayerProgress implements PullListener {
  /** One layer's progress. */
  record Entry(LayerState state, long bytesDone, long bytesTotal, String reason, String message) {}

  private final Map<String, Entry> layers = new ConcurrentHashMap<>();
  private final Runnable changed;

  LayerProgress(Runnable changed) {
    this.changed = changed;
  }

  boolean isRunning(String diffId) {
    Entry entry = layers.get(diffId);
    return entry != null && entry.state() == LayerState.Pulling;
  }

  void ready(String diffId, long bytes) {
    layers.put(diffId, new Entry(LayerState.Ready, bytes, bytes, null, null));
  }

  void failed(String diffId, String reason, String message) {
    Entry before = layers.get(diffId);
    layers.put(
        diffId,
        new Entry(
            LayerState.Failed,
            before == null ? 0 : before.bytesDone(),
            before == null ? 0 : before.bytesTotal(),
            reason,
            message));
    changed.run();
  }

  /** Forgets layers no longer asked for. */
  void retain(java.util.Set<String> wanted) {
    layers.keySet().retainAll(wanted);
  }

  @Override
  public void started(String diffId, long totalBytes) {
    layers.put(diffId, new Entry(LayerState.Pulling, 0, totalBytes, null, null));
    changed.run();
  }

  @Override
  public void progress(String diffId, long bytesDone) {
    layers.computeIfPresent(
        diffId, (k, e) -> new Entry(e.state(), bytesDone, e.bytesTotal(), e.reason(), e.message()));
    changed.run();
  }

  @Override
  public void finished(String diffId, boolean cached) {
    layers.computeIfPresent(
        diffId, (k, e) -> new Entry(LayerState.Ready, e.bytesTotal(), e.bytesTotal(), null, null));
    changed.run();
  }

  LayerStatus status(String diffId) {
    Entry entry = layers.getOrDefault(diffId, new Entry(LayerState.Pending, 0, 0, null, null));
    LayerStatus status = new LayerStatus();
    status.setDiffID(diffId);
    status.setState(entry.state());
    status.setBytesDone(entry.bytesDone());
    status.setBytesTotal(entry.bytesTotal());
    status.setReason(entry.reason());
    status.setMessage(entry.message());
    return status;
  }
}
