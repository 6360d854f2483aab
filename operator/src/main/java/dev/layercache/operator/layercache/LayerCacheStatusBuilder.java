package dev.layercache.operator.layercache;

import dev.layercache.api.v1alpha1.ByteSizes;
import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.Layer;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.api.v1alpha1.NodeCounts;
import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.operator.support.ReconcileProblem;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Computes a LayerCache's status from the resolution and the nodes' progress. */
public final class LayerCacheStatusBuilder {
  private LayerCacheStatusBuilder() {}

  public static LayerCacheStatus build(
      LayerCache layerCache, Resolution resolution, NodeProgress progress, Instant now) {
    LayerCacheStatus status = new LayerCacheStatus();
    status.setObservedGeneration(layerCache.getMetadata().getGeneration());
    status.setResolved(resolution.images());
    status.setLastResolveTime(resolution.resolvedAt());
    NodeCounts counts = new NodeCounts();
    counts.setTargeted(progress.targeted());
    counts.setReady(progress.ready());
    counts.setPulling(progress.pulling());
    counts.setFailed(progress.failed());
    status.setNodes(counts);
    status.setReadyNodes(progress.ready() + "/" + progress.targeted());
    long bytes = distinctLayerBytes(resolution.images());
    status.setTotalBytes(bytes);
    status.setSize(ByteSizes.binary(bytes));
    status.setFailures(progress.failures());
    status.setConditions(conditions(layerCache, resolution, progress, now));
    return status;
  }

  /** The previous status with conditions naming the spec's problems. */
  public static LayerCacheStatus invalid(
      LayerCache layerCache, List<String> problems, Instant now) {
    LayerCacheStatus status = copyOrNew(layerCache.getStatus());
    status.setObservedGeneration(layerCache.getMetadata().getGeneration());
    String message = String.join("; ", problems);
    status.setConditions(
        new Conditions(conditions(layerCache), layerCache.getMetadata().getGeneration(), now)
            .set(LayerCacheStatus.RESOLVED, false, Reasons.INVALID_SPEC, message)
            .set(LayerCacheStatus.READY, false, Reasons.INVALID_SPEC, "the spec is invalid")
            .set(LayerCacheStatus.DEGRADED, true, Reasons.INVALID_SPEC, message)
            .build());
    return status;
  }

  /** The previous status with Degraded saying why the reconcile failed. */
  public static LayerCacheStatus failed(LayerCache layerCache, String message, Instant now) {
    LayerCacheStatus status = copyOrNew(layerCache.getStatus());
    status.setObservedGeneration(
        layerCache.getStatus() == null ? null : layerCache.getStatus().getObservedGeneration());
    status.setConditions(
        new Conditions(conditions(layerCache), layerCache.getMetadata().getGeneration(), now)
            .set(LayerCacheStatus.DEGRADED, true, Reasons.RECONCILE_ERROR, message)
            .build());
    return status;
  }

  private static List<Condition> conditions(
      LayerCache layerCache, Resolution resolution, NodeProgress progress, Instant now) {
    Conditions conditions =
        new Conditions(conditions(layerCache), layerCache.getMetadata().getGeneration(), now);
    resolution
        .failure()
        .ifPresentOrElse(
            f -> conditions.set(LayerCacheStatus.RESOLVED, false, f.reason(), f.getMessage()),
            () ->
                conditions.set(
                    LayerCacheStatus.RESOLVED,
                    true,
                    "Resolved",
                    "resolved " + resolution.images().size() + " image manifests"));
    String counts =
        String.format(
            "%d/%d nodes ready, %d pulling, %d waiting, %d failed",
            progress.ready(),
            progress.targeted(),
            progress.pulling(),
            progress.waiting(),
            progress.failed());
    if (progress.targeted() == 0) {
      conditions.set(
          LayerCacheStatus.READY, false, "NoMatchingNodes", "no node matches spec.nodeSelector");
    } else if (resolution.images().isEmpty()) {
      conditions.set(LayerCacheStatus.READY, false, "NotResolved", "no image has resolved yet");
    } else if (progress.ready() == progress.targeted()) {
      conditions.set(LayerCacheStatus.READY, true, "AllNodesReady", counts);
    } else {
      conditions.set(
          LayerCacheStatus.READY, false, progress.failed() > 0 ? "NodesFailed" : "Pulling", counts);
    }
    if (resolution.failed()) {
      ReconcileProblem f = resolution.failure().get();
      conditions.set(LayerCacheStatus.DEGRADED, true, f.reason(), f.getMessage());
    } else if (progress.failed() > 0) {
      conditions.set(
          LayerCacheStatus.DEGRADED,
          true,
          "NodesFailed",
          progress.failed() + " node(s) failed to cache layers; see status.failures");
    } else {
      conditions.set(LayerCacheStatus.DEGRADED, false, "AsExpected", "");
    }
    return conditions.build();
  }

  private static long distinctLayerBytes(List<ResolvedImage> images) {
    Map<String, Long> sizes = new LinkedHashMap<>();
    for (ResolvedImage image : images) {
      for (Layer layer : image.getLayers()) {
        sizes.putIfAbsent(layer.getDigest(), Objects.requireNonNullElse(layer.getSize(), 0L));
      }
    }
    return sizes.values().stream().mapToLong(Long::longValue).sum();
  }

  private static List<Condition> conditions(LayerCache layerCache) {
    return layerCache.getStatus() == null ? null : layerCache.getStatus().getConditions();
  }

  private static LayerCacheStatus copyOrNew(LayerCacheStatus previous) {
    LayerCacheStatus status = new LayerCacheStatus();
    if (previous != null) {
      status.setResolved(previous.getResolved());
      status.setLastResolveTime(previous.getLastResolveTime());
      status.setNodes(previous.getNodes());
      status.setReadyNodes(previous.getReadyNodes());
      status.setTotalBytes(previous.getTotalBytes());
      status.setSize(previous.getSize());
      status.setFailures(previous.getFailures());
    }
    return status;
  }
}
