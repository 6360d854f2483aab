package dev.layercache.operator;

import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The only writer of NodeCache specs. Every change (a LayerCache resolved, a workspace placed or
 * released, a node relabelled, an agent's progress) recomputes all specs with {@link
 * NodeCacheSpecBuilder} and writes those that differ, creating missing NodeCaches owned by their
 * Node. Calls are serialized, and what this operator wrote or decided is remembered until the
 * informers show it, so a sync never works from an older picture than the previous one.
 */
final class NodeCacheSync {
  private final KubernetesClient client;
  private final ClusterCache cache;
  private final OperatorMetrics metrics;

  private final Map<String, CachedImages> resolved = new HashMap<>();
  private final Set<String> forgottenLayerCaches = new HashSet<>();
  private final Map<String, WorkspacePlacement> placed = new HashMap<>();
  private final Set<String> releasedWorkspaces = new HashSet<>();
  private final Map<String, NodeCache> written = new HashMap<>();

  NodeCacheSync(KubernetesClient client, ClusterCache cache, OperatorMetrics metrics) {
    this.client = client;
    this.cache = cache;
    this.metrics = metrics;
  }

  synchronized void sync() {
    Map<String, NodeCache> current = current();
    List<Node> nodes = cache.nodes();
    Map<String, NodeCacheSpec> wanted =
        NodeCacheSpecBuilder.build(
            new NodeCacheSpecBuilder.ClusterState(
                nodes,
                current,
                layerCaches(),
                liveWorkspaces(current),
                List.copyOf(placed.values())));
    for (Node node : nodes) {
      String name = node.getMetadata().getName();
      NodeCache existing = current.get(name);
      if (existing == null) {
        create(node, wanted.get(name));
      } else if (!StoredForm.same(wanted.get(name), existing.getSpec())) {
        patch(name, wanted.get(name));
      }
    }
    metrics.nodeCaches(current.values());
  }

  /** Records what {@code layerCache} resolved to and brings the nodes in line. */
  synchronized void sync(LayerCache layerCache, List<ResolvedImage> images) {
    resolved.put(uid(layerCache), new CachedImages(layerCache, images));
    sync();
  }

  /** Drops a deleted LayerCache's pins. */
  synchronized void forget(LayerCache layerCache) {
    resolved.remove(uid(layerCache));
    forgottenLayerCaches.add(uid(layerCache));
    sync();
  }

  /** Where the workspace with {@code uid} is placed, if anywhere. */
  synchronized Optional<WorkspacePlacement> placement(String uid) {
    if (placed.containsKey(uid)) {
      return Optional.of(placed.get(uid));
    }
    for (NodeCache nodeCache : current().values()) {
      for (WorkspaceRef ref : NodeCacheView.of(nodeCache).specWorkspaces()) {
        if (uid.equals(ref.getUid())) {
          return Optional.of(
              WorkspacePlacement.recovered(nodeCache.getMetadata().getName(), ref, List.of()));
        }
      }
    }
    return Optional.empty();
  }

  synchronized void place(WorkspacePlacement placement) {
    placed.put(placement.uid(), placement);
    sync();
  }

  /**
   * Removes the workspace from its node's spec; returns that NodeCache's generation afterwards, so
   * the caller can tell when the agent has seen the removal.
   */
  synchronized long release(String uid, String node) {
    placed.remove(uid);
    releasedWorkspaces.add(uid);
    sync();
    return Optional.ofNullable(current().get(node))
        .map(nc -> NodeCacheView.of(nc).generation())
        .orElse(0L);
  }

  /** The informers' NodeCaches, or what this operator wrote when that is newer. */
  private Map<String, NodeCache> current() {
    Map<String, NodeCache> current = new HashMap<>();
    for (NodeCache nodeCache : cache.nodeCaches()) {
      String name = nodeCache.getMetadata().getName();
      NodeCache mine = written.get(name);
      boolean mineIsNewer =
          mine != null
              && NodeCacheView.of(mine).generation() > NodeCacheView.of(nodeCache).generation();
      current.put(name, mineIsNewer ? mine : nodeCache);
      if (!mineIsNewer) {
        written.remove(name);
      }
    }
    written.forEach(current::putIfAbsent);
    Set<String> nodes =
        cache.nodes().stream().map(n -> n.getMetadata().getName()).collect(Collectors.toSet());
    current.keySet().retainAll(nodes);
    written.keySet().retainAll(nodes);
    return current;
  }

  private List<CachedImages> layerCaches() {
    Map<String, CachedImages> byUid = new HashMap<>();
    Set<String> present = new HashSet<>();
    for (LayerCache layerCache : cache.layerCaches()) {
      String uid = uid(layerCache);
      present.add(uid);
      if (!deleting(layerCache) && !forgottenLayerCaches.contains(uid)) {
        byUid.put(
            uid, resolved.getOrDefault(uid, new CachedImages(layerCache, recorded(layerCache))));
      }
    }
    resolved.forEach(byUid::putIfAbsent);
    forgottenLayerCaches.retainAll(present);
    return List.copyOf(byUid.values());
  }

  /** Workspaces whose entries stay: alive in the cache or placed by us, and not released. */
  private Set<String> liveWorkspaces(Map<String, NodeCache> current) {
    Set<String> live = new HashSet<>(placed.keySet());
    Set<String> present = new HashSet<>();
    for (OverlayWorkspace workspace : cache.workspaces()) {
      present.add(uid(workspace));
      if (!deleting(workspace)) {
        live.add(uid(workspace));
      }
    }
    live.removeAll(releasedWorkspaces);
    releasedWorkspaces.retainAll(present);
    // Once the cache holds both the workspace and its spec entry, the cluster remembers it.
    Set<String> inSpecs =
        current.values().stream()
            .flatMap(nc -> NodeCacheView.of(nc).specWorkspaces().stream())
            .map(WorkspaceRef::getUid)
            .collect(Collectors.toSet());
    placed.keySet().removeIf(uid -> present.contains(uid) && inSpecs.contains(uid));
    return live;
  }

  private void create(Node node, NodeCacheSpec spec) {
    NodeCache nodeCache = new NodeCache();
    nodeCache.getMetadata().setName(node.getMetadata().getName());
    // Owned by the Node: the garbage collector deletes the NodeCache with it.
    nodeCache
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("Node")
                    .withName(node.getMetadata().getName())
                    .withUid(node.getMetadata().getUid())
                    .build()));
    nodeCache.setSpec(spec);
    try {
      remember(client.resource(nodeCache).create());
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      patch(node.getMetadata().getName(), spec);
    }
  }

  /**
   * A JSON Patch (RFC 6902) that replaces the spec whole and leaves the agent's status alone. Not a
   * merge patch: the CRUD mock appends arrays on merge patches where a server replaces them.
   */
  private void patch(String name, NodeCacheSpec spec) {
    String json =
        client
            .getKubernetesSerialization()
            .asJson(List.of(Map.of("op", "add", "path", "/spec", "value", spec)));
    remember(
        client
            .resources(NodeCache.class)
            .withName(name)
            .patch(PatchContext.of(PatchType.JSON), json));
  }

  private void remember(NodeCache nodeCache) {
    written.put(nodeCache.getMetadata().getName(), nodeCache);
    metrics.nodeCacheWritten();
  }

  private static List<ResolvedImage> recorded(LayerCache layerCache) {
    LayerCacheStatus status = layerCache.getStatus();
    return status == null || status.getResolved() == null ? List.of() : status.getResolved();
  }

  private static boolean deleting(HasMetadata resource) {
    return resource.getMetadata().getDeletionTimestamp() != null;
  }

  private static String uid(HasMetadata resource) {
    return resource.getMetadata().getUid();
  }
}
