package dev.layercache.operator;

import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.LayerStatus;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import dev.layercache.api.v1alpha1.Savings;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.api.v1alpha1.WorkspaceState;
import dev.layercache.api.v1alpha1.WorkspaceStatus;
import dev.layercache.kube.StatusApply;
import dev.layercache.operator.nodecache.NodeCacheView;
import dev.layercache.operator.support.StoredForm;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plays a node agent: reads its NodeCache spec and writes the status the real agent writes. New
 * layers go Pending → Pulling → Ready after {@code pullTime}; workspaces are Mounted at fixed paths
 * and Removed once dropped from the spec (unless removals are held).
 */
public final class FakeAgent implements AutoCloseable {
  static final long UPPER_BYTES = 4096;

  /** The real agent's field manager: this one stands in for it. */
  static final String FIELD_MANAGER = "layercache-agent";

  private final KubernetesClient client;
  private final String node;
  private final PullLog log;
  private final Duration pullTime;
  private final Map<String, Instant> pullStarted = new HashMap<>();
  private final Set<String> failing = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
  private volatile boolean holdRemovals;
  private volatile List<String> pods = List.of();

  FakeAgent(KubernetesClient client, String node, PullLog log, Duration pullTime) {
    this.client = client;
    this.node = node;
    this.log = log;
    this.pullTime = pullTime;
    loop.scheduleWithFixedDelay(this::tickQuietly, 0, 50, TimeUnit.MILLISECONDS);
  }

  static String mergedPath(String uid) {
    return "/var/lib/layercache/workspaces/" + uid + "/merged";
  }

  /** Layers with this diffID fail to pull on this node. */
  void fail(String diffId) {
    failing.add(diffId);
  }

  /** While held, workspaces dropped from the spec stay Mounted (a slow unmount). */
  void holdRemovals(boolean hold) {
    holdRemovals = hold;
  }

  /**
   * Pods that use every workspace mounted here (through CSI volumes): they are reported, and a
   * workspace dropped from the spec stays mounted while they are there, as the real agent does.
   */
  void usedByPods(List<String> pods) {
    this.pods = List.copyOf(pods);
  }

  /** Writes a heartbeat: the status as it is, with only lastSyncTime moved on. */
  synchronized void heartbeat() {
    NodeCache nodeCache = client.resources(NodeCache.class).withName(node).get();
    nodeCache.getStatus().setLastSyncTime(Instant.now().toString());
    StatusApply.apply(client, nodeCache, nodeCache.getStatus(), FIELD_MANAGER);
  }

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) {
      // The next tick retries, as a real agent would after a failed status write.
    }
  }

  private synchronized void tick() {
    NodeCache nodeCache = client.resources(NodeCache.class).withName(node).get();
    if (nodeCache == null) {
      return;
    }
    NodeCacheStatus before = nodeCache.getStatus();
    NodeCacheView view = NodeCacheView.of(nodeCache);
    Instant now = Instant.now();

    List<LayerStatus> layers = new ArrayList<>();
    boolean pulling = false;
    boolean failed = false;
    for (LayerRef ref : view.specLayers()) {
      LayerStatus layer = new LayerStatus();
      layer.setDiffID(ref.getDiffID());
      layer.setBytesTotal(ref.getSize());
      Instant started = pullStarted.computeIfAbsent(ref.getDiffID(), d -> now);
      if (failing.contains(ref.getDiffID())) {
        layer.setState(LayerState.Failed);
        layer.setBytesDone(0L);
        layer.setMessage("DIGEST_MISMATCH: simulated failure");
        failed = true;
      } else if (now.isBefore(started.plus(pullTime))) {
        layer.setState(LayerState.Pulling);
        layer.setBytesDone(0L);
        pulling = true;
      } else {
        layer.setState(LayerState.Ready);
        layer.setBytesDone(ref.getSize());
      }
      layers.add(layer);
    }
    pullStarted.keySet().retainAll(view.specDiffIds());

    Map<String, Long> sizes = new HashMap<>();
    view.specLayers().forEach(l -> sizes.put(l.getDiffID(), l.getSize()));
    List<WorkspaceStatus> workspaces = new ArrayList<>();
    List<String> wanted = new ArrayList<>();
    for (WorkspaceRef ref : view.specWorkspaces()) {
      wanted.add(ref.getUid());
      long lower = ref.getLowers().stream().mapToLong(d -> sizes.getOrDefault(d, 0L)).sum();
      boolean layersReady =
          layers.stream()
              .filter(l -> ref.getLowers().contains(l.getDiffID()))
              .allMatch(l -> l.getState() == LayerState.Ready);
      if (layersReady) {
        WorkspaceStatus ws = mounted(ref.getUid(), lower);
        ws.setPods(pods.isEmpty() ? null : pods);
        workspaces.add(ws);
      }
    }
    if (before != null && before.getWorkspaces() != null) {
      for (WorkspaceStatus old : before.getWorkspaces()) {
        if (!wanted.contains(old.getUid())) {
          workspaces.add(holdRemovals || !pods.isEmpty() ? old : removed(old));
        }
      }
    }

    NodeCacheStatus status = new NodeCacheStatus();
    status.setObservedGeneration(nodeCache.getMetadata().getGeneration());
    status.setAgentVersion("fake");
    status.setLayers(layers);
    status.setWorkspaces(workspaces);
    long ready = layers.stream().filter(l -> l.getState() == LayerState.Ready).count();
    status.setReadyLayers(ready + "/" + layers.size());
    status.setSavings(savings(layers, sizes, workspaces));
    long mountedCount =
        workspaces.stream().filter(w -> w.getState() == WorkspaceState.Mounted).count();
    boolean converged = !pulling && !failed && mountedCount >= wanted.size();
    status.setConditions(
        List.of(
            new ConditionBuilder()
                .withType(NodeCacheStatus.READY)
                .withStatus(converged ? "True" : "False")
                .withReason(converged ? "Converged" : "Converging")
                .withMessage("")
                .withLastTransitionTime("2026-01-01T00:00:00Z")
                .build()));
    if (before != null) {
      status.setLastSyncTime(before.getLastSyncTime());
    }
    if (StoredForm.same(status, before)) {
      return;
    }
    status.setLastSyncTime(now.toString());
    if (pulling) {
      log.started(node);
    } else {
      log.finished(node);
    }
    StatusApply.apply(client, nodeCache, status, FIELD_MANAGER);
  }

  private static WorkspaceStatus mounted(String uid, long lowerBytes) {
    WorkspaceStatus ws = new WorkspaceStatus();
    ws.setUid(uid);
    ws.setState(WorkspaceState.Mounted);
    ws.setMergedPath(mergedPath(uid));
    ws.setUpperPath("/var/lib/layercache/workspaces/" + uid + "/upper");
    ws.setWorkPath("/var/lib/layercache/workspaces/" + uid + "/work");
    ws.setLowerBytes(lowerBytes);
    ws.setUpperBytes(UPPER_BYTES);
    return ws;
  }

  private static WorkspaceStatus removed(WorkspaceStatus old) {
    WorkspaceStatus ws = new WorkspaceStatus();
    ws.setUid(old.getUid());
    ws.setState(WorkspaceState.Removed);
    return ws;
  }

  /** As PRODUCT.md defines them, with compressed sizes standing in for unpacked ones. */
  private static Savings savings(
      List<LayerStatus> layers, Map<String, Long> sizes, List<WorkspaceStatus> workspaces) {
    long layerBytes =
        layers.stream()
            .filter(l -> l.getState() == LayerState.Ready)
            .mapToLong(l -> sizes.getOrDefault(l.getDiffID(), 0L))
            .sum();
    long logical = layerBytes;
    long physical = layerBytes;
    for (WorkspaceStatus ws : workspaces) {
      if (ws.getState() == WorkspaceState.Mounted) {
        logical += Objects.requireNonNullElse(ws.getLowerBytes(), 0L) + UPPER_BYTES;
        physical += UPPER_BYTES;
      }
    }
    Savings savings = new Savings();
    savings.setLogicalBytes(logical);
    savings.setPhysicalBytes(physical);
    savings.setSavedBytes(logical - physical);
    return savings;
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}
