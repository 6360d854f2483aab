package dev.layercache.operator;

import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * One informer per kind the reconcilers read across: Nodes, NodeCaches, LayerCaches and
 * OverlayWorkspaces. Cross-kind reads come from here and cross-kind triggers fire from here, after
 * the informer's store has the change, so a triggered reconcile never reads an older cache than the
 * event it answers.
 */
final class ClusterCache implements AutoCloseable {
  private final SharedIndexInformer<Node> nodes;
  private final SharedIndexInformer<NodeCache> nodeCaches;
  private final SharedIndexInformer<LayerCache> layerCaches;
  private final SharedIndexInformer<OverlayWorkspace> workspaces;

  /** Starts the informers and returns once each has listed its kind. */
  ClusterCache(KubernetesClient client) {
    nodes = client.nodes().inform();
    nodeCaches = client.resources(NodeCache.class).inform();
    layerCaches = client.resources(LayerCache.class).inform();
    workspaces = client.resources(OverlayWorkspace.class).inAnyNamespace().inform();
  }

  List<Node> nodes() {
    return nodes.getStore().list();
  }

  Optional<Node> node(String name) {
    return Optional.ofNullable(nodes.getStore().getByKey(name));
  }

  List<NodeCache> nodeCaches() {
    return nodeCaches.getStore().list();
  }

  Optional<NodeCache> nodeCache(String name) {
    return Optional.ofNullable(nodeCaches.getStore().getByKey(name));
  }

  List<LayerCache> layerCaches() {
    return layerCaches.getStore().list();
  }

  List<OverlayWorkspace> workspaces() {
    return workspaces.getStore().list();
  }

  /**
   * An event source for a controller whose primaries {@code map} derives from changes of {@code
   * kind} (adds, updates, deletes).
   */
  <P extends HasMetadata, T extends HasMetadata> SimpleInboundEventSource<P> trigger(
      Class<T> kind, Function<T, Stream<ResourceID>> map) {
    SimpleInboundEventSource<P> source =
        new SimpleInboundEventSource<>(kind.getSimpleName().toLowerCase() + "-changes");
    informer(kind)
        .addEventHandler(
            new ResourceEventHandler<T>() {
              @Override
              public void onAdd(T obj) {
                map.apply(obj).forEach(source::propagateEvent);
              }

              @Override
              public void onUpdate(T oldObj, T newObj) {
                map.apply(newObj).forEach(source::propagateEvent);
              }

              @Override
              public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                map.apply(obj).forEach(source::propagateEvent);
              }
            });
    return source;
  }

  @SuppressWarnings("unchecked")
  private <T extends HasMetadata> SharedIndexInformer<T> informer(Class<T> kind) {
    Map<Class<?>, SharedIndexInformer<?>> byKind =
        Map.of(
            Node.class, nodes,
            NodeCache.class, nodeCaches,
            LayerCache.class, layerCaches,
            OverlayWorkspace.class, workspaces);
    return (SharedIndexInformer<T>) byKind.get(kind);
  }

  boolean watching() {
    return Stream.of(nodes, nodeCaches, layerCaches, workspaces)
        .allMatch(SharedIndexInformer::isWatching);
  }

  @Override
  public void close() {
    Stream.of(nodes, nodeCaches, layerCaches, workspaces).forEach(SharedIndexInformer::close);
  }
}
