package dev.layercache.operator;

import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import io.fabric8.kubernetes.api.model.Node;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Computes the spec of every node's NodeCache from all LayerCaches and all placed workspaces. Pure:
 * the same cluster state always gives the same specs, so deletes, label changes and moved tags need
 * no special code paths.
 *
 * <p>Rules: a LayerCache pins its layers on every node its selector matches, admitting at most
 * {@code maxConcurrentNodes} nodes that are still pulling (a node is admitted once its spec holds
 * all of the LayerCache's layers). Workspaces keep their entry while they live, with their lower
 * layers unpinned. Pins no longer wanted are kept until the node holds everything it now wants
 * (make before break), so a moved tag never leaves a node with neither the old nor the new layers.
 */
final class NodeCacheSpecBuilder {

  /** Everything the specs depend on. {@code placements} are new or updated workspace entries. */
  record ClusterState(
      List<Node> nodes,
      Map<String, NodeCache> nodeCaches,
      List<CachedImages> layerCaches,
      Set<String> liveWorkspaces,
      List<WorkspacePlacement> placements) {}

  private NodeCacheSpecBuilder() {}

  /** The wanted spec per node name, for every node. */
  static Map<String, NodeCacheSpec> build(ClusterState state) {
    Map<String, Node> nodes = new TreeMap<>();
    state.nodes().forEach(n -> nodes.put(n.getMetadata().getName(), n));
    Map<String, Draft> drafts = new TreeMap<>();
    nodes.keySet().forEach(name -> drafts.put(name, new Draft(view(state, name))));

    state.layerCaches().stream()
        .sorted(Comparator.comparing(CachedImages::name))
        .forEach(cache -> pin(cache, nodes, drafts));
    drafts.values().forEach(d -> d.keepWorkspaces(state.liveWorkspaces()));
    for (WorkspacePlacement placement : state.placements()) {
      Draft draft = drafts.get(placement.node());
      if (draft != null) {
        draft.place(placement);
      }
    }

    Map<String, NodeCacheSpec> specs = new TreeMap<>();
    drafts.forEach((name, draft) -> specs.put(name, draft.build()));
    return specs;
  }

  private static void pin(CachedImages cache, Map<String, Node> nodes, Map<String, Draft> drafts) {
    List<Node> targeted = nodes.values().stream().filter(cache::targets).toList();
    int limit = cache.maxConcurrentNodes();
    long pulling =
        targeted.stream()
            .filter(n -> drafts.get(n.getMetadata().getName()).pulling(cache.layersFor(n)))
            .count();
    for (Node node : targeted) {
      Draft draft = drafts.get(node.getMetadata().getName());
      List<LayerRef> wanted = cache.layersFor(node);
      if (wanted.isEmpty()) {
        continue;
      }
      boolean admitted = draft.holds(wanted);
      if (!admitted && limit > 0 && pulling >= limit) {
        draft.waiting = true;
        continue;
      }
      if (!admitted) {
        pulling++;
      }
      wanted.forEach(draft::add);
      cache.imagesFor(node).forEach(draft::addImage);
    }
  }

  private static NodeCacheView view(ClusterState state, String node) {
    NodeCache nodeCache = state.nodeCaches().get(node);
    return NodeCacheView.of(nodeCache != null ? nodeCache : new NodeCache());
  }

  /** One node's spec under construction. */
  private static final class Draft {
    private final NodeCacheView current;
    private final Map<String, LayerRef> layers = new LinkedHashMap<>();
    private final Map<String, ResolvedImage> images = new TreeMap<>();
    private final Map<String, WorkspacePlacement> workspaces = new TreeMap<>();
    private boolean waiting;

    Draft(NodeCacheView current) {
      this.current = current;
    }

    boolean holds(List<LayerRef> wanted) {
      return current.specDiffIds().containsAll(diffIds(wanted));
    }

    boolean pulling(List<LayerRef> wanted) {
      return !wanted.isEmpty()
          && holds(wanted)
          && current.progress(diffIds(wanted)) == NodeCacheView.Progress.PULLING;
    }

    void add(LayerRef layer) {
      LayerRef existing = layers.get(layer.getDiffID());
      if (existing == null) {
        layers.put(layer.getDiffID(), copy(layer));
        return;
      }
      existing.setPinned(Boolean.TRUE.equals(existing.getPinned()) || isPinned(layer));
      // One diffID may come as different blobs (gzip, zstd): keep the first blob's sources only.
      if (Objects.equals(existing.getDigest(), layer.getDigest())) {
        List<LayerSource> sources = new ArrayList<>(existing.getSources());
        layer.getSources().stream().filter(s -> !sources.contains(s)).forEach(sources::add);
        existing.setSources(sources);
      }
    }

    /** Tells the agent which whole images its layers make up, for its records and savings. */
    void addImage(ResolvedImage image) {
      images.putIfAbsent(image.getImage() + " " + image.getPlatform(), image);
    }

    void keepWorkspaces(Set<String> live) {
      Map<String, LayerRef> known = new LinkedHashMap<>();
      current.specLayers().forEach(l -> known.put(l.getDiffID(), l));
      for (WorkspaceRef ref : current.specWorkspaces()) {
        if (live.contains(ref.getUid())) {
          List<LayerRef> lowers =
              ref.getLowers().stream().map(known::get).filter(Objects::nonNull).toList();
          workspaces.put(key(ref), WorkspacePlacement.recovered(current.name(), ref, lowers));
        }
      }
    }

    void place(WorkspacePlacement placement) {
      workspaces.values().removeIf(p -> p.uid().equals(placement.uid()));
      workspaces.put(key(placement.workspace()), placement);
    }

    NodeCacheSpec build() {
      for (WorkspacePlacement placement : workspaces.values()) {
        placement.layers().forEach(l -> add(unpinned(l)));
      }
      if (waiting || !current.allReady(layers.keySet())) {
        current.specLayers().stream()
            .filter(l -> isPinned(l) && !layers.containsKey(l.getDiffID()))
            .forEach(this::add);
      }
      NodeCacheSpec spec = new NodeCacheSpec();
      spec.setLayers(new ArrayList<>(layers.values()));
      spec.setImages(images.isEmpty() ? null : new ArrayList<>(images.values()));
      spec.setWorkspaces(workspaces.values().stream().map(WorkspacePlacement::workspace).toList());
      return spec;
    }

    private static String key(WorkspaceRef ref) {
      return ref.getNamespace() + "/" + ref.getName() + "/" + ref.getUid();
    }
  }

  private static List<String> diffIds(List<LayerRef> layers) {
    return layers.stream().map(LayerRef::getDiffID).toList();
  }

  private static boolean isPinned(LayerRef layer) {
    return Boolean.TRUE.equals(layer.getPinned());
  }

  private static LayerRef unpinned(LayerRef layer) {
    LayerRef copy = copy(layer);
    copy.setPinned(false);
    return copy;
  }

  private static LayerRef copy(LayerRef layer) {
    LayerRef copy = new LayerRef();
    copy.setDigest(layer.getDigest());
    copy.setDiffID(layer.getDiffID());
    copy.setSize(layer.getSize());
    copy.setMediaType(layer.getMediaType());
    copy.setSources(List.copyOf(layer.getSources()));
    copy.setPinned(layer.getPinned());
    return copy;
  }
}
