package dev.layercache.operator.support;

import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.ToDoubleFunction;

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
