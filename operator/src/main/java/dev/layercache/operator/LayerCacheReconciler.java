package dev.layercache.operator;

import dev.layercache.api.v1alpha1.Failure;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.validation.SpecValidator;
import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Keeps a LayerCache's images warm on its nodes: validate, resolve (when due), pin the layers on
 * the matching nodes, fold the nodes' progress into the status.
 */
@ControllerConfiguration(name = "layercache")
public final class LayerCacheReconciler implements Reconciler<LayerCache>, Cleaner<LayerCache> {
  private static final long MIN_DELAY_MS = 200;

  private final ClusterCache cache;
  private final LayerCacheResolver resolver;
  private final NodeCacheSync nodeCaches;
  private final EventRecorder events;
  private final Clock clock;

  LayerCacheReconciler(
      ClusterCache cache,
      LayerCacheResolver resolver,
      NodeCacheSync nodeCaches,
      EventRecorder events,
      Clock clock) {
    this.cache = cache;
    this.resolver = resolver;
    this.nodeCaches = nodeCaches;
    this.events = events;
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
    List<Node> nodes = cache.nodes();
    Resolution resolution = resolver.resolve(layerCache, platforms(layerCache, nodes), now);
    nodeCaches.sync(layerCache, resolution.images());
    NodeProgress progress =
        NodeProgress.of(
            new CachedImages(layerCache, resolution.images()),
            nodes,
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
    layerCache.setStatus(status);
    return ErrorStatusUpdateControl.patchStatus(layerCache);
  }

  @Override
  public DeleteControl cleanup(LayerCache layerCache, Context<LayerCache> context) {
    resolver.forget(layerCache);
    nodeCaches.forget(layerCache);
    return DeleteControl.defaultDelete();
  }

  @Override
  public List<EventSource<?, LayerCache>> prepareEventSources(
      EventSourceContext<LayerCache> context) {
    // Agents' progress and node labels change the counts and the rollout wave of every LayerCache.
    Function<Object, Stream<ResourceID>> all =
        ignored -> cache.layerCaches().stream().map(ResourceID::fromResource);
    return List.of(
        cache.<LayerCache, NodeCache>trigger(NodeCache.class, all::apply),
        cache.<LayerCache, Node>trigger(Node.class, all::apply));
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
    return cache.nodeCaches().stream()
        .collect(Collectors.toMap(nc -> nc.getMetadata().getName(), nc -> nc));
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
      layerCache.setStatus(status);
      control = UpdateControl.patchStatus(layerCache);
    }
    next.ifPresent(d -> control.rescheduleAfter(Math.max(d.toMillis(), MIN_DELAY_MS)));
    return control;
  }
}
