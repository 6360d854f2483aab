package dev.layercache.operator.nodecache;

import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.LayerStatus;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.api.v1alpha1.WorkspaceStatus;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Read-only questions about one NodeCache (spec by the operator, status by the node's agent). */
public final class NodeCacheView {
  /** Where a node stands on a set of layers. */
  public enum Progress {
    READY,
    PULLING,
    FAILED
  }

  private final NodeCache nodeCache;

  public NodeCacheView(NodeCache nodeCache) {
    this.nodeCache = nodeCache;
  }

  public static NodeCacheView of(NodeCache nodeCache) {
    return new NodeCacheView(nodeCache);
  }

  public String name() {
    return nodeCache.getMetadata().getName();
  }

  public List<LayerRef> specLayers() {
    NodeCacheSpec spec = nodeCache.getSpec();
    return spec == null || spec.getLayers() == null ? List.of() : spec.getLayers();
  }

  public List<WorkspaceRef> specWorkspaces() {
    NodeCacheSpec spec = nodeCache.getSpec();
    return spec == null || spec.getWorkspaces() == null ? List.of() : spec.getWorkspaces();
  }

  public Set<String> specDiffIds() {
    return specLayers().stream().map(LayerRef::getDiffID).collect(Collectors.toSet());
  }

  public Optional<LayerStatus> layer(String diffId) {
    return statusList(NodeCacheStatus::getLayers).stream()
        .filter(l -> diffId.equals(l.getDiffID()))
        .findFirst();
  }

  public LayerState layerState(String diffId) {
    return layer(diffId).map(LayerStatus::getState).orElse(LayerState.Pending);
  }

  /** A layer the agent has not reported yet counts as pending, i.e. still pulling. */
  public Progress progress(Collection<String> diffIds) {
    boolean pulling = false;
    for (String diffId : diffIds) {
      LayerState state = layerState(diffId);
      if (state == LayerState.Failed) {
        return Progress.FAILED;
      }
      pulling |= state != LayerState.Ready;
    }
    return pulling ? Progress.PULLING : Progress.READY;
  }

  public boolean allReady(Collection<String> diffIds) {
    return diffIds.stream().allMatch(d -> layerState(d) == LayerState.Ready);
  }

  public Optional<WorkspaceStatus> workspace(String uid) {
    return statusList(NodeCacheStatus::getWorkspaces).stream()
        .filter(w -> uid.equals(w.getUid()))
        .findFirst();
  }

  public boolean isReady() {
    NodeCacheStatus status = nodeCache.getStatus();
    return status != null && Conditions.isTrue(status.getConditions(), NodeCacheStatus.READY);
  }

  public boolean diskPressure() {
    NodeCacheStatus status = nodeCache.getStatus();
    return status != null
        && Conditions.isTrue(status.getConditions(), NodeCacheStatus.DISK_PRESSURE);
  }

  /** Whether the agent has reported on the spec of {@code generation} or a later one. */
  public boolean agentObserved(long generation) {
    NodeCacheStatus status = nodeCache.getStatus();
    return status != null
        && status.getObservedGeneration() != null
        && status.getObservedGeneration() >= generation;
  }

  public long generation() {
    return Objects.requireNonNullElse(nodeCache.getMetadata().getGeneration(), 0L);
  }

  private <T> List<T> statusList(Function<NodeCacheStatus, List<T>> field) {
    NodeCacheStatus status = nodeCache.getStatus();
    return status == null || field.apply(status) == null ? List.of() : field.apply(status);
  }
}
