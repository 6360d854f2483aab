package dev.layercache.operator.nodecache;

import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import io.fabric8.kubernetes.api.model.Node;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Computes one node's NodeCache spec from the LayerCaches, the workspaces placed on the node and
 * where the other nodes stand. Pure: the same inputs always give the same spec, so deletes, label
 * changes and moved tags need no special code paths.
 *
 * <p>Rules: a LayerCache pins its layers on every node its selector matches, admitting at most
 * {@code maxConcurrentNodes} nodes that are still pulling (a node is admitted once its spec holds
 * all of the LayerCache's layers; waiting nodes are admitted in name order). Workspaces keep their
 * entry while they live, with their lower layers unpinned. Pins no longer wanted are kept until the
 * node holds everything it now wants (make before break), so a moved tag never leaves a node with
 * neither the old nor the new layers.
 */
public final class NodeCacheSpecBuilder {

  /**
   * Everything one node's spec depends on.
   *
   * @param node the node whose spec is built
   * @param nodes every Node, for the rollout wave
   * @param nodeCaches the NodeCache of a node by its name (the node's own: its current spec and
   *     status); looked up, so a node's spec costs no pass over every NodeCache
   * @param layerCaches every LayerCache with the images its status records
   * @param workspaces the workspaces whose status places them on {@code node}
   */
  public record Inputs(
      String node,
      List<Node> nodes,
      Function<String, Optional<NodeCache>> nodeCaches,
      List<CachedImages> layerCaches,
      List<OverlayWorkspace> workspaces) {}

  private NodeCacheSpecBuilder() {}

  public static NodeCacheSpec build(Inputs in) {
    Node node =
        in.nodes().stream()
            .filter(n -> n.getMetadata().getName().equals(in.node()))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no Node " + in.node()));
    Draft draft = new Draft(view(in, in.node()));
    in.layerCaches().stream()
        .filter(c -> c.layerCache().getMetadata().getDeletionTimestamp() == null)
        .sorted(Comparator.comparing(CachedImages::name))
        .forEach(cache -> pin(cache, node, in, draft));
    for (OverlayWorkspace workspace : in.workspaces()) {
      if (workspace.getMetadata().getDeletionTimestamp() == null) {
        WorkspaceEntry.of(workspace)
            .ifPresentOrElse(draft::place, () -> draft.keep(workspace.getMetadata().getUid()));
      }
    }
    return draft.build();
  }

  private static void pin(CachedImages cache, Node node, Inputs in, Draft draft) {
    if (!cache.targets(node)) {
      return;
    }
    List<LayerRef> wanted = cache.layersFor(node);
    if (wanted.isEmpty()) {
      return;
    }
    if (!draft.holds(wanted) && waveIsFull(cache, in)) {
      draft.waiting = true;
      return;
    }
    wanted.forEach(draft::add);
    cache.imagesFor(node).forEach(draft::addImage);
  }

  /**
   * Whether {@code in.node()} must wait: the nodes still pulling this LayerCache's layers, and the
   * waiting ones before it in name order (they go first), fill {@code maxConcurrentNodes}.
   */
  private static boolean waveIsFull(CachedImages cache, Inputs in) {
    int limit = cache.maxConcurrentNodes();
    if (limit <= 0) {
      return false;
    }
    int busy = 0;
    for (Node other : in.nodes()) {
      String name = other.getMetadata().getName();
      if (name.equals(in.node()) || !cache.targets(other)) {
        continue;
      }
      List<String> wanted = diffIds(cache.layersFor(other));
      if (wanted.isEmpty()) {
        continue;
      }
      NodeCacheView view = view(in, name);
      boolean admitted = view.specDiffIds().containsAll(wanted);
      boolean pulling = admitted && view.progress(wanted) == NodeCacheView.Progress.PULLING;
      boolean aheadInLine = !admitted && name.compareTo(in.node()) < 0;
      if (pulling || aheadInLine) {
        busy++;
      }
    }
    return busy >= limit;
  }

  private static NodeCacheView view(Inputs in, String node) {
    return NodeCacheView.of(in.nodeCaches().apply(node).orElseGet(NodeCache::new));
  }

  /** One node's spec under construction. */
  private static final class Draft {
    private final NodeCacheView current;
    private final Map<String, LayerRef> layers = new LinkedHashMap<>();
    private final Map<String, ResolvedImage> images = new TreeMap<>();
    private final Map<String, WorkspaceEntry> workspaces = new TreeMap<>();
    private boolean waiting;

    Draft(NodeCacheView current) {
      this.current = current;
    }

    boolean holds(List<LayerRef> wanted) {
      return current.specDiffIds().containsAll(diffIds(wanted));
    }

    void add(LayerRef layer) {
      LayerRef existing = layers.get(layer.getDiffID());
      if (existing == null) {
        layers.put(layer.getDiffID(), copy(layer));
        return;
      }
      existing.setPinned(isPinned(existing) || isPinned(layer));
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

    void place(WorkspaceEntry entry) {
      workspaces.put(key(entry.ref()), entry);
    }

    /**
     * Keeps the current entry of a live workspace whose status records no layers (placed by an
     * operator that kept them only here).
     */
    void keep(String uid) {
      Map<String, LayerRef> known = new LinkedHashMap<>();
      current.specLayers().forEach(l -> known.put(l.getDiffID(), l));
      for (WorkspaceRef ref : current.specWorkspaces()) {
        if (uid.equals(ref.getUid())) {
          List<LayerRef> lowers =
              ref.getLowers().stream().map(known::get).filter(Objects::nonNull).toList();
          workspaces.put(key(ref), new WorkspaceEntry(ref, lowers));
        }
      }
    }

    NodeCacheSpec build() {
      for (WorkspaceEntry entry : workspaces.values()) {
        entry.layers().forEach(l -> add(unpinned(l)));
      }
      if (waiting || !current.allReady(layers.keySet())) {
        current.specLayers().stream()
            .filter(l -> isPinned(l) && !layers.containsKey(l.getDiffID()))
            .forEach(this::add);
      }
      NodeCacheSpec spec = new NodeCacheSpec();
      spec.setLayers(new ArrayList<>(layers.values()));
      spec.setImages(images.isEmpty() ? null : new ArrayList<>(images.values()));
      spec.setWorkspaces(workspaces.values().stream().map(WorkspaceEntry::ref).toList());
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
