package dev.layercache.operator.nodecache;

import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.operator.support.Nodes;
import dev.layercache.operator.support.StoredForm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Objects;

/**
 * JOSDK informer event sources for the kinds a controller reads besides its own, with the update
 * filters they share: a Node matters when its labels change (not its status heartbeats), a
 * NodeCache when {@link NodeCacheUpdates} says so. Each maps a change to the primaries it concerns.
 */
public final class EventSources {
  private EventSources() {}

  public static <P extends HasMetadata> InformerEventSource<Node, P> nodes(
      EventSourceContext<P> context, SecondaryToPrimaryMapper<Node> toPrimaries) {
    return source(Node.class, context, toPrimaries, Nodes::labelsChanged);
  }

  public static <P extends HasMetadata> InformerEventSource<NodeCache, P> nodeCaches(
      EventSourceContext<P> context, SecondaryToPrimaryMapper<NodeCache> toPrimaries) {
    return source(NodeCache.class, context, toPrimaries, NodeCacheUpdates::meaningful);
  }

  /** NodeCaches, as far as a LayerCache reads them: {@link NodeCacheUpdates#layersChanged}. */
  public static <P extends HasMetadata> InformerEventSource<NodeCache, P> nodeCacheLayers(
      EventSourceContext<P> context, SecondaryToPrimaryMapper<NodeCache> toPrimaries) {
    return source(NodeCache.class, context, toPrimaries, NodeCacheUpdates::layersChanged);
  }

  /** LayerCaches, when what a node is told changes: spec, recorded images, deletion. */
  public static <P extends HasMetadata> InformerEventSource<LayerCache, P> layerCaches(
      EventSourceContext<P> context, SecondaryToPrimaryMapper<LayerCache> toPrimaries) {
    return source(
        LayerCache.class,
        context,
        toPrimaries,
        (after, before) ->
            specOrDeletionChanged(after, before)
                || !StoredForm.same(resolved(after), resolved(before)));
  }

  /** OverlayWorkspaces, when what their node is told changes: spec, placement, deletion. */
  public static <P extends HasMetadata> InformerEventSource<OverlayWorkspace, P> workspaces(
      EventSourceContext<P> context, SecondaryToPrimaryMapper<OverlayWorkspace> toPrimaries) {
    return source(
        OverlayWorkspace.class,
        context,
        toPrimaries,
        (after, before) ->
            specOrDeletionChanged(after, before)
                || !StoredForm.same(
                    WorkspaceEntry.of(after).orElse(null), WorkspaceEntry.of(before).orElse(null)));
  }

  private static <R extends HasMetadata, P extends HasMetadata> InformerEventSource<R, P> source(
      Class<R> kind,
      EventSourceContext<P> context,
      SecondaryToPrimaryMapper<R> toPrimaries,
      OnUpdateFilter<R> news) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(kind, context.getPrimaryResourceClass())
            .withSecondaryToPrimaryMapper(toPrimaries)
            .withOnUpdateFilter(news)
            .build(),
        context);
  }

  private static boolean specOrDeletionChanged(HasMetadata after, HasMetadata before) {
    return !Objects.equals(
            after.getMetadata().getGeneration(), before.getMetadata().getGeneration())
        || !Objects.equals(
            after.getMetadata().getDeletionTimestamp(),
            before.getMetadata().getDeletionTimestamp());
  }

  private static Object resolved(LayerCache layerCache) {
    return layerCache.getStatus() == null ? null : layerCache.getStatus().getResolved();
  }
}
