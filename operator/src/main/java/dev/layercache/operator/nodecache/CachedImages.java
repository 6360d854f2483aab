package dev.layercache.operator.nodecache;

import dev.layercache.api.v1alpha1.Layer;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.kube.LayerSources;
import dev.layercache.kube.Layers;
import dev.layercache.operator.support.Nodes;
import io.fabric8.kubernetes.api.model.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A LayerCache together with the images it resolved to: the layers it wants on each node. */
public record CachedImages(LayerCache layerCache, List<ResolvedImage> images) {

  public CachedImages {
    images = List.copyOf(images);
  }

  /** What its status records as resolved: the handoff from its reconciler to the nodes' specs. */
  public static CachedImages recorded(LayerCache layerCache) {
    LayerCacheStatus status = layerCache.getStatus();
    return new CachedImages(
        layerCache,
        status == null || status.getResolved() == null ? List.of() : status.getResolved());
  }

  public String name() {
    return layerCache.getMetadata().getName();
  }

  public boolean targets(Node node) {
    return Nodes.matches(layerCache.getSpec().getNodeSelector(), node);
  }

  public int maxConcurrentNodes() {
    Integer max = layerCache.getSpec().getMaxConcurrentNodes();
    return max == null ? 0 : max;
  }

  /**
   * The pinned layers {@code node} must hold: every platform of spec.platforms, else the node's
   * own. Keyed by diffID, base layers first.
   */
  public List<LayerRef> layersFor(Node node) {
    Map<String, LayerRef> layers = new LinkedHashMap<>();
    List<SecretRef> secrets =
        Objects.requireNonNullElse(layerCache.getSpec().getPullSecrets(), List.of());
    for (ResolvedImage image : imagesFor(node)) {
      LayerSource source = LayerSources.of(image.getImage(), secrets);
      for (Layer layer : image.getLayers()) {
        layers.putIfAbsent(layer.getDiffID(), Layers.toRef(layer, List.of(source), true));
      }
    }
    return new ArrayList<>(layers.values());
  }

  /** The resolved images this node caches: its own platform's, or every listed platform's. */
  public List<ResolvedImage> imagesFor(Node node) {
    List<String> platforms = layerCache.getSpec().getPlatforms();
    boolean everyPlatform = platforms != null && !platforms.isEmpty();
    String own = Nodes.platform(node);
    return images.stream().filter(i -> everyPlatform || own.equals(i.getPlatform())).toList();
  }
}
