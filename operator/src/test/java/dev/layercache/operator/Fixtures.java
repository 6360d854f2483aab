package dev.layercache.operator;

import dev.layercache.api.v1alpha1.Layer;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheSpec;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.LayerStatus;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.OverlayWorkspaceSpec;
import dev.layercache.api.v1alpha1.OverlayWorkspaceStatus;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.operator.nodecache.CachedImages;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small builders for the unit tests' API objects. */
public final class Fixtures {
  private Fixtures() {}

  public static String digest(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  public static Node node(String name, String... labels) {
    NodeBuilder builder =
        new NodeBuilder().withNewMetadata().withName(name).withUid("uid-" + name).endMetadata();
    Node node = builder.build();
    Map<String, String> map = new java.util.HashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      map.put(labels[i], labels[i + 1]);
    }
    node.getMetadata().setLabels(map);
    return node;
  }

  public static ResolvedImage image(String ref, String platform, long... sizesByLayer) {
    ResolvedImage image = new ResolvedImage();
    image.setImage(ref);
    image.setPlatform(platform);
    image.setDigest(digest('f'));
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < sizesByLayer.length; i++) {
      Layer layer = new Layer();
      layer.setDigest(digest((char) ('a' + i)));
      layer.setDiffID(diffId(ref, i));
      layer.setSize(sizesByLayer[i]);
      layer.setMediaType("application/vnd.oci.image.layer.v1.tar+gzip");
      layers.add(layer);
    }
    image.setLayers(layers);
    return image;
  }

  /** A distinct diffID per image reference and layer index. */
  public static String diffId(String ref, int index) {
    String hex = String.format("%064x", Math.abs((long) (ref + "#" + index).hashCode()));
    return "sha256:" + hex;
  }

  public static LayerCache layerCache(
      String name, Integer maxConcurrentNodes, String... matchLabels) {
    LayerCache layerCache = new LayerCache();
    layerCache.getMetadata().setName(name);
    layerCache.getMetadata().setUid("uid-" + name);
    layerCache.getMetadata().setGeneration(1L);
    LayerCacheSpec spec = new LayerCacheSpec();
    spec.setImages(List.of("registry.example/team/" + name + ":1"));
    spec.setMaxConcurrentNodes(maxConcurrentNodes);
    if (matchLabels.length > 0) {
      LabelSelectorBuilder selector = new LabelSelectorBuilder();
      for (int i = 0; i < matchLabels.length; i += 2) {
        selector.addToMatchLabels(matchLabels[i], matchLabels[i + 1]);
      }
      spec.setNodeSelector(selector.build());
    }
    layerCache.setSpec(spec);
    return layerCache;
  }

  public static CachedImages cached(LayerCache layerCache, long... sizes) {
    return new CachedImages(
        layerCache, List.of(image(layerCache.getSpec().getImages().get(0), "linux/amd64", sizes)));
  }

  /** A NodeCache whose spec holds {@code layers} and whose agent reports them in {@code state}. */
  public static NodeCache nodeCache(
      String node, List<LayerRef> layers, LayerState state, boolean ready) {
    NodeCache nodeCache = new NodeCache();
    nodeCache.getMetadata().setName(node);
    nodeCache.getMetadata().setGeneration(1L);
    NodeCacheSpec spec = new NodeCacheSpec();
    spec.setLayers(layers);
    spec.setWorkspaces(List.of());
    nodeCache.setSpec(spec);
    NodeCacheStatus status = new NodeCacheStatus();
    status.setLayers(
        layers.stream()
            .map(
                l -> {
                  LayerStatus s = new LayerStatus();
                  s.setDiffID(l.getDiffID());
                  s.setState(state);
                  s.setMessage(state == LayerState.Failed ? "boom" : null);
                  return s;
                })
            .toList());
    status.setConditions(
        List.of(
            new ConditionBuilder()
                .withType(NodeCacheStatus.READY)
                .withStatus(ready ? "True" : "False")
                .build()));
    nodeCache.setStatus(status);
    return nodeCache;
  }

  public static WorkspaceRef workspace(String uid, List<String> lowers) {
    WorkspaceRef ref = new WorkspaceRef();
    ref.setUid(uid);
    ref.setNamespace("default");
    ref.setName("ws-" + uid);
    ref.setLowers(lowers);
    return ref;
  }

  /**
   * A workspace of registry.example/team/ws:1 whose status places it on {@code node}; with no
   * layers, the status names the node only (as an earlier operator recorded it).
   */
  public static OverlayWorkspace overlayWorkspace(String uid, String node, Layer... layers) {
    OverlayWorkspace workspace = new OverlayWorkspace();
    workspace.getMetadata().setUid(uid);
    workspace.getMetadata().setNamespace("default");
    workspace.getMetadata().setName("ws-" + uid);
    OverlayWorkspaceSpec spec = new OverlayWorkspaceSpec();
    spec.setImage("registry.example/team/ws:1");
    workspace.setSpec(spec);
    OverlayWorkspaceStatus status = new OverlayWorkspaceStatus();
    status.setNodeName(node);
    if (layers.length > 0) {
      status.setImageDigest(digest('9'));
      status.setLayers(List.of(layers));
    }
    workspace.setStatus(status);
    return workspace;
  }

  public static LayerRef layerRef(String diffId, long size) {
    LayerRef ref = new LayerRef();
    ref.setDiffID(diffId);
    ref.setDigest(diffId);
    ref.setSize(size);
    LayerSource source = new LayerSource();
    source.setRegistry("registry.example");
    source.setRepository("team/ws");
    ref.setSources(List.of(source));
    ref.setPinned(false);
    return ref;
  }
}
