package dev.layercache.operator;

import dev.layercache.api.v1alpha1.NodeCache;
import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.util.List;
import java.util.stream.Stream;

/**
 * Gives every Node a NodeCache and keeps the NodeCache specs in line when a node is added or
 * relabelled or its agent reports progress (which may open the rollout wave to the next node).
 */
@ControllerConfiguration(name = "node")
public final class NodeReconciler implements Reconciler<Node> {
  private final ClusterCache cache;
  private final NodeCacheSync nodeCaches;

  NodeReconciler(ClusterCache cache, NodeCacheSync nodeCaches) {
    this.cache = cache;
    this.nodeCaches = nodeCaches;
  }

  @Override
  public UpdateControl<Node> reconcile(Node node, Context<Node> context) {
    nodeCaches.sync();
    return UpdateControl.noUpdate();
  }

  @Override
  public List<EventSource<?, Node>> prepareEventSources(EventSourceContext<Node> context) {
    // Also from the shared cache, so a relabel is seen by the sync that it triggers.
    return List.of(
        cache.<Node, NodeCache>trigger(
            NodeCache.class, nc -> Stream.of(new ResourceID(nc.getMetadata().getName()))),
        cache.<Node, Node>trigger(Node.class, n -> Stream.of(ResourceID.fromResource(n))));
  }
}
