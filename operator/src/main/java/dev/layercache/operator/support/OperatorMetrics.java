package dev.layercache.operator.support;

import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import dev.layercache.api.v1alpha1.NodeCounts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * The operator's own meters, {@code layercache_*} in base units, tagged by controller or node and
 * never by object name. JOSDK's reconcile meters come from its MicrometerMetrics on the same
 * registry.
 */
public final class OperatorMetrics {
  private final MeterRegistry registry;
  private final Counter specWrites;
  private final MultiGauge savedBytes;
  private final MultiGauge readyLayers;
  private final MultiGauge workspaces;

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    specWrites =
        Counter.builder("layercache.nodecache.spec.writes")
            .description("NodeCache specs created or patched by the operator")
            .register(registry);
    savedBytes =
        MultiGauge.builder("layercache.node.saved")
            .baseUnit("bytes")
            .description("Bytes that sharing layers saves on the node, as its agent reports")
            .register(registry);
    readyLayers =
        MultiGauge.builder("layercache.node.layers.ready")
            .description("Layers the node's agent reports Ready")
            .register(registry);
    workspaces =
        MultiGauge.builder("layercache.node.workspaces")
            .description("Workspaces in the node's NodeCache spec")
            .register(registry);
  }

  public void nodeCacheWritten() {
    specWrites.increment();
  }

  /** Records one image resolution of {@code controller}; {@code result} is ok or a reason. */
  public void resolved(String controller, String result, Duration took) {
    Timer.builder("layercache.image.resolve")
        .description("Resolutions of image references to manifests and layers")
        .tags("controller", controller, "result", result)
        .register(registry)
        .record(took);
  }

  /**
   * Gauges over every LayerCache, read when scraped: how many have each condition True, and their
   * nodes by state (targeted, ready, pulling, failed) summed. Per LayerCache is {@code kubectl get
   * lc}: object names are no metric label. A standby replica serves them too (its informers run),
   * so queries take the max over replicas.
   */
  public void layerCaches(Supplier<Stream<LayerCache>> all) {
    for (String condition :
        List.of(LayerCacheStatus.RESOLVED, LayerCacheStatus.READY, LayerCacheStatus.DEGRADED)) {
      Gauge.builder(
              "layercache.layercaches",
              all,
              s -> s.get().filter(lc -> conditionTrue(lc, condition)).count())
          .description("LayerCaches whose condition is True")
          .tag("condition", condition)
          .strongReference(true) // the supplier has no other owner
          .register(registry);
    }
    Map<String, Function<NodeCounts, Integer>> states =
        Map.of(
            "targeted", NodeCounts::getTargeted,
            "ready", NodeCounts::getReady,
            "pulling", NodeCounts::getPulling,
            "failed", NodeCounts::getFailed);
    states.forEach(
        (state, count) ->
            Gauge.builder(
                    "layercache.layercache.nodes",
                    all,
                    s -> s.get().mapToInt(lc -> nodes(lc, count)).sum())
                .description(
                    "Nodes of all LayerCaches in this state (a node counts once per LayerCache)")
                .tag("state", state)
                .strongReference(true)
                .register(registry));
  }

  private static boolean conditionTrue(LayerCache layerCache, String type) {
    return layerCache.getStatus() != null
        && Conditions.isTrue(layerCache.getStatus().getConditions(), type);
  }

  private static int nodes(LayerCache layerCache, Function<NodeCounts, Integer> count) {
    NodeCounts nodes = layerCache.getStatus() == null ? null : layerCache.getStatus().getNodes();
    Integer n = nodes == null ? null : count.apply(nodes);
    return n == null ? 0 : n;
  }

  /** Refreshes the per-node gauges from the NodeCaches. */
  public void nodeCaches(Collection<NodeCache> nodeCaches) {
    savedBytes.register(rows(nodeCaches, OperatorMetrics::saved), true);
    readyLayers.register(rows(nodeCaches, OperatorMetrics::ready), true);
    workspaces.register(rows(nodeCaches, OperatorMetrics::workspaces), true);
  }

  private static List<MultiGauge.Row<?>> rows(
      Collection<NodeCache> nodeCaches, ToDoubleFunction<NodeCache> value) {
    return nodeCaches.stream()
        .<MultiGauge.Row<?>>map(
            nc ->
                MultiGauge.Row.of(
                    Tags.of("node", nc.getMetadata().getName()), value.applyAsDouble(nc)))
        .toList();
  }

  private static double saved(NodeCache nodeCache) {
    NodeCacheStatus status = nodeCache.getStatus();
    return status == null
            || status.getSavings() == null
            || status.getSavings().getSavedBytes() == null
        ? 0
        : status.getSavings().getSavedBytes();
  }

  private static double workspaces(NodeCache nodeCache) {
    return nodeCache.getSpec() == null || nodeCache.getSpec().getWorkspaces() == null
        ? 0
        : nodeCache.getSpec().getWorkspaces().size();
  }

  private static double ready(NodeCache nodeCache) {
    NodeCacheStatus status = nodeCache.getStatus();
    return status == null || status.getLayers() == null
        ? 0
        : status.getLayers().stream().filter(l -> l.getState() == LayerState.Ready).count();
  }
}
