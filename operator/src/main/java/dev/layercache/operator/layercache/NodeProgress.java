package dev.layercache.operator.layercache;

import dev.layercache.api.v1alpha1.Failure;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.LayerStatus;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.operator.nodecache.CachedImages;
import dev.layercache.operator.nodecache.NodeCacheView;
import io.fabric8.kubernetes.api.model.Node;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where a LayerCache's targeted nodes stand, folded from their agents' reports: ready, pulling,
 * failed, or waiting for their turn in the rollout wave; plus the current failures, newest first
 * and bounded.
 */
public record NodeProgress(
    int targeted, int ready, int pulling, int failed, int waiting, List<Failure> failures) {

  public static NodeProgress of(
      CachedImages cache,
      List<Node> nodes,
      Map<String, NodeCache> nodeCaches,
      List<Failure> previousFailures) {
    int targeted = 0;
    int ready = 0;
    int pulling = 0;
    int failed = 0;
    List<Failure> current = new ArrayList<>();
    for (Node node :
        nodes.stream().sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList()) {
      if (!cache.targets(node)) {
        continue;
      }
      targeted++;
      List<String> wanted = cache.layersFor(node).stream().map(LayerRef::getDiffID).toList();
      NodeCache nodeCache = nodeCaches.get(node.getMetadata().getName());
      if (wanted.isEmpty() || nodeCache == null) {
        continue;
      }
      NodeCacheView view = NodeCacheView.of(nodeCache);
      if (!view.specDiffIds().containsAll(wanted)) {
        continue;
      }
      switch (view.progress(wanted)) {
        case READY -> ready++;
        case PULLING -> pulling++;
        case FAILED -> {
          failed++;
          current.addAll(failures(view, wanted));
        }
      }
    }
    int waiting = targeted - ready - pulling - failed;
    return new NodeProgress(
        targeted, ready, pulling, failed, waiting, newestFirst(current, previousFailures));
  }

  private static List<Failure> failures(NodeCacheView view, List<String> wanted) {
    List<Failure> failures = new ArrayList<>();
    for (String diffId : wanted) {
      view.layer(diffId)
          .filter(l -> l.getState() == LayerState.Failed)
          .ifPresent(l -> failures.add(failure(view, l)));
    }
    return failures;
  }

  private static Failure failure(NodeCacheView view, LayerStatus layer) {
    Failure failure = new Failure();
    failure.setNode(view.name());
    failure.setDigest(layer.getDiffID());
    failure.setReason(
        layer.getReason() != null
            ? layer.getReason()
            : view.diskPressure() ? Reasons.DISK_PRESSURE : Reasons.LAYER_FAILED);
    failure.setMessage(
        Objects.requireNonNullElse(layer.getMessage(), "the agent reported no cause"));
    return failure;
  }

  /** Failures not reported before come first; ones already listed keep their order. */
  private static List<Failure> newestFirst(List<Failure> current, List<Failure> previous) {
    Set<Failure> ordered = new LinkedHashSet<>();
    List<Failure> before = Objects.requireNonNullElse(previous, List.of());
    current.stream().filter(f -> !before.contains(f)).forEach(ordered::add);
    before.stream().filter(current::contains).forEach(ordered::add);
    return ordered.stream().limit(LayerCacheStatus.MAX_FAILURES).toList();
  }
}
