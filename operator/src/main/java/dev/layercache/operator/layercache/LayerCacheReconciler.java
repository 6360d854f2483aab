package dev.layercache.operator.layercache;

import dev.layercache.api.v1alpha1.Failure;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.validation.SpecValidator;
import dev.layercache.kube.StatusApply;
import dev.layercache.operator.nodecache.CachedImages;
import dev.layercache.operator.nodecache.EventSources;
import dev.layercache.operator.support.EventRecorder;
import dev.layercache.operator.support.Nodes;
import dev.layercache.operator.support.OperatorMetrics;
import dev.layercache.operator.support.ReconcileProblem;
import dev.layercache.operator.support.StoredForm;
import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Keeps a LayerCache's images warm on its nodes: validate, resolve (when due), pin the layers on
 * the matching nodes, fold the nodes' progress into the status.
 */
@ControllerConfiguration(name = "layercache", fieldManager = LayerCacheReconciler.FIELD_MANAGER)
public final class LayerCacheReconciler implements Reconciler<LayerCache>, Cleaner<LayerCache> {
  /** The field manager of LayerCache statuses. */
  public static final String FIELD_MANAGER = "layercache-operator-layercache";

  private static final long MIN_DELAY_MS = 200;

  private final LayerCacheResolver resolver;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private IndexedResourceCache<LayerCache> layerCaches;
  private InformerEventSource<Node, LayerCache> nodes;
  private InformerEventSource<NodeCache, LayerCache> nodeCaches;

  public LayerCacheReconciler(
      LayerCacheResolver resolver, EventRecorder events, OperatorMetrics metrics, Clock clock) {
    this.resolver = resolver;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public UpdateControl<LayerCache> reconcile(LayerCache layerCache, Context<LayerCache> context) {
    Instant now = clock.instant();
    List<String> problems = SpecValidator.validate(layerCache);
    if (!problems.isEmpty()) {
      return record(
          layerCache, LayerCacheStatusBuilder.invalid(layerCache, problems, now), Optional.empty());
    }
    List<Node> all = nodes.list().toList();
    Resolution resolution = resolver.resolve(layerCache, platforms(layerCache, all), now);
    // status.resolved is what NodeCacheReconciler pins on the nodes.
    NodeProgress progress =
        NodeProgress.of(
            new CachedImages(layerCache, resolution.images()),
            all,
            nodeCachesByName(),
            previousFailures(layerCache));
    LayerCacheStatus status = LayerCacheStatusBuilder.build(layerCache, resolution, progress, now);
    return record(layerCache, status, resolver.nextAttempt(layerCache, now));
  }

  /** Whatever escaped the reconcile shows as Degraded; JOSDK retries with backoff. */
  @Override
  public ErrorStatusUpdateControl<LayerCache> updateErrorStatus(
      LayerCache layerCache, Context<LayerCache> context, Exception e) {
    LayerCacheStatus status =
        LayerCacheStatusBuilder.failed(layerCache, ReconcileProblem.describe(e), clock.instant());
    if (StoredForm.same(status, layerCache.getStatus())) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    return ErrorStatusUpdateControl.patchStatus(StatusApply.statusOnly(layerCache, status));
  }

  @Override
  public DeleteControl cleanup(LayerCache layerCache, Context<LayerCache> context) {
    resolver.forget(layerCache);
    return DeleteControl.defaultDelete();
  }

  @Override
  public List<EventSource<?, LayerCache>> prepareEventSources(
      EventSourceContext<LayerCache> context) {
    layerCaches = context.getPrimaryCache();
    metrics.layerCaches(() -> layerCaches.list()); // the field: the cache this run prepared
    // A relabel may change which nodes any LayerCache targets; a node's progress concerns the
    // LayerCaches targeting it.
    nodes = EventSources.nodes(context, n -> all());
    nodeCaches = EventSources.nodeCacheLayers(context, this::targeting);
    return List.of(nodes, nodeCaches);
  }

  private Set<ResourceID> all() {
    return layerCaches.list().map(ResourceID::fromResource).collect(Collectors.toSet());
  }

  private Set<ResourceID> targeting(NodeCache nodeCache) {
    Optional<Node> node = nodes.get(new ResourceID(nodeCache.getMetadata().getName()));
    if (node.isEmpty()) {
      return all(); // the node is gone: whoever targeted it recounts
    }
    return layerCaches
        .list(lc -> Nodes.matches(lc.getSpec().getNodeSelector(), node.get()))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  /** spec.platforms, else the platforms of the targeted nodes. */
  private static Set<String> platforms(LayerCache layerCache, List<Node> nodes) {
    List<String> wanted = layerCache.getSpec().getPlatforms();
    if (wanted != null && !wanted.isEmpty()) {
      return new TreeSet<>(wanted);
    }
    return nodes.stream()
        .filter(n -> Nodes.matches(layerCache.getSpec().getNodeSelector(), n))
        .map(Nodes::platform)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private Map<String, NodeCache> nodeCachesByName() {
    return nodeCaches.list().collect(Collectors.toMap(nc -> nc.getMetadata().getName(), nc -> nc));
  }

  private static List<Failure> previousFailures(LayerCache layerCache) {
    return layerCache.getStatus() == null ? List.of() : layerCache.getStatus().getFailures();
  }

  /** Announces transitions, patches the status only when it changed, and comes back when due. */
  private UpdateControl<LayerCache> record(
      LayerCache layerCache, LayerCacheStatus status, Optional<Duration> next) {
    UpdateControl<LayerCache> control;
    if (StoredForm.same(status, layerCache.getStatus())) {
      control = UpdateControl.noUpdate();
    } else {
      events.emit(layerCache, LayerCacheEvents.between(layerCache.getStatus(), status));
      // Identity and status only: no resourceVersion, so a status from a view that moved on
      // meanwhile is not refused with a 409 (at 100 nodes, every NodeCache report moved it).
      control = UpdateControl.patchStatus(StatusApply.statusOnly(layerCache, status));
    }
    next.ifPresent(d -> control.rescheduleAfter(Math.max(d.toMillis(), MIN_DELAY_MS)));
    return control;
  }
}
