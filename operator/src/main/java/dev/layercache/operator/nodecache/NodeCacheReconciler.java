package dev.layercache.operator.nodecache;

import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.operator.support.EventRecorder;
import dev.layercache.operator.support.Nodes;
import dev.layercache.operator.support.OperatorMetrics;
import dev.layercache.operator.support.ReconcileProblem;
import dev.layercache.operator.support.StoredForm;
import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;

/**
 * The only writer of NodeCache specs, one Node at a time: its desired state is {@link
 * NodeCacheSpecBuilder}'s spec for that node, from the LayerCaches, the workspaces placed on it and
 * where the other nodes stand; the spec is written when it differs. Every Node gets a NodeCache.
 */
@ControllerConfiguration(
    name = "nodecache",
    // A relabel leaves metadata.generation alone; LabelsChanged is the filter instead.
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = NodeCacheReconciler.LabelsChanged.class))
public final class NodeCacheReconciler implements Reconciler<Node> {
  /** The workspaces informer's index: the node a workspace is placed on. */
  private static final String BY_NODE = "node";

  private final NodeCacheWriter writer;
  private final OperatorMetrics metrics;
  private final EventRecorder events;
  private final ReadWriteLock waves = new ReentrantReadWriteLock();
  private IndexedResourceCache<Node> nodes;
  private InformerEventSource<NodeCache, Node> nodeCaches;
  private InformerEventSource<LayerCache, Node> layerCaches;
  private InformerEventSource<OverlayWorkspace, Node> workspaces;

  public NodeCacheReconciler(
      NodeCacheWriter writer, OperatorMetrics metrics, EventRecorder events) {
    this.writer = writer;
    this.metrics = metrics;
    this.events = events;
  }

  /** A Node is news when its labels change, not when the kubelet reports its status. */
  public static final class LabelsChanged implements OnUpdateFilter<Node> {
    @Override
    public boolean accept(Node after, Node before) {
      return Nodes.labelsChanged(after, before);
    }
  }

  @Override
  public List<EventSource<?, Node>> prepareEventSources(EventSourceContext<Node> context) {
    nodes = context.getPrimaryCache();
    nodeCaches =
        EventSources.nodeCaches(
            context,
            nc -> {
              // Its own node, and the nodes whose rollout wave its progress may open.
              Set<ResourceID> ids = new HashSet<>(wave(nc.getMetadata().getName()));
              ids.add(new ResourceID(nc.getMetadata().getName()));
              return ids;
            });
    layerCaches = EventSources.layerCaches(context, lc -> allNodes());
    workspaces =
        EventSources.workspaces(
            context,
            w ->
                w.getStatus() == null || w.getStatus().getNodeName() == null
                    ? Set.of()
                    : Set.of(new ResourceID(w.getStatus().getNodeName())));
    workspaces.addIndexers(
        Map.of(
            BY_NODE,
            w ->
                w.getStatus() == null || w.getStatus().getNodeName() == null
                    ? List.of()
                    : List.of(w.getStatus().getNodeName())));
    return List.of(nodeCaches, layerCaches, workspaces);
  }

  /**
   * A rollout wave admits a node from what the others hold, so while any LayerCache has a wave, two
   * nodes must not decide at once from the same picture: those reconciles run one at a time.
   * Without waves a node's spec reads no other node's, and nodes reconcile side by side (at 100
   * nodes, one at a time left each node's spec behind its workspaces by the others' applies).
   */
  @Override
  public UpdateControl<Node> reconcile(Node node, Context<Node> context) {
    Lock lock = anyWave() ? waves.writeLock() : waves.readLock();
    lock.lock();
    try {
      return reconcileSpec(node);
    } finally {
      lock.unlock();
    }
  }

  private UpdateControl<Node> reconcileSpec(Node node) {
    String name = node.getMetadata().getName();
    NodeCacheSpec spec =
        NodeCacheSpecBuilder.build(
            new NodeCacheSpecBuilder.Inputs(
                name,
                nodes.list().toList(),
                // get() sees this controller's own writes before the informer does.
                n -> nodeCaches.get(new ResourceID(n)),
                layerCaches.list().map(CachedImages::recorded).toList(),
                workspaces.byIndex(BY_NODE, name)));
    NodeCache current = nodeCaches.get(new ResourceID(name)).orElse(null);
    if (current == null) {
      NodeCache created = writer.apply(node, spec);
      nodeCaches.handleRecentResourceCreate(ResourceID.fromResource(created), created);
    } else if (!StoredForm.same(spec, current.getSpec())) {
      NodeCache patched = writer.apply(node, spec);
      nodeCaches.handleRecentResourceUpdate(ResourceID.fromResource(patched), patched, current);
    }
    metrics.nodeCaches(nodeCaches.list().toList());
    return UpdateControl.noUpdate();
  }

  private boolean anyWave() {
    return layerCaches.list(NodeCacheReconciler::hasWave).findAny().isPresent();
  }

  private static boolean hasWave(LayerCache layerCache) {
    return Objects.requireNonNullElse(layerCache.getSpec().getMaxConcurrentNodes(), 0) > 0;
  }

  /** NodeCache status is the agent's: a failed sync is a Warning Event on the Node, and a retry. */
  @Override
  public ErrorStatusUpdateControl<Node> updateErrorStatus(
      Node node, Context<Node> context, Exception e) {
    events.emit(
        node,
        EventRecorder.Notice.warning(
            Reasons.RECONCILE_ERROR,
            "NodeCache spec not written: " + ReconcileProblem.describe(e)));
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  private Set<ResourceID> allNodes() {
    return nodes.list().map(ResourceID::fromResource).collect(Collectors.toSet());
  }

  /** Every node targeted by a LayerCache with a rollout wave that also targets {@code node}. */
  private Set<ResourceID> wave(String node) {
    Node changed = nodes.get(new ResourceID(node)).orElse(null);
    if (changed == null) {
      return Set.of();
    }
    List<CachedImages> waves =
        layerCaches
            .list(NodeCacheReconciler::hasWave)
            .map(CachedImages::recorded)
            .filter(c -> c.targets(changed))
            .toList();
    return nodes
        .list()
        .filter(n -> waves.stream().anyMatch(c -> c.targets(n)))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }
}
