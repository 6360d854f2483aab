package dev.layercache.operator;

import dev.layercache.api.v1alpha1.Layer;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.oci.ImageReference;
import io.fabric8.kubernetes.api.model.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A LayerCache together with the images it resolved to: the layers it wants on each node. */
record CachedImages(LayerCache layerCache, List<ResolvedImage> images) {

  CachedImages {
    images = List.copyOf(images);
  }

  String name() {
    return layerCache.getMetadata().getName();
  }

  boolean targets(Node node) {
    return Nodes.matches(layerCache.getSpec().getNodeSelector(), node);
  }

  int maxConcurrentNodes() {
    Integer max = layerCache.getSpec().getMaxConcurrentNodes();
    return max == null ? 0 : max;
  }

  /**
   * The pinned layers {@code node} must hold: every platform of spec.platforms, else the node's
   * own. Keyed by diffID, base layers first.
   */
  List<LayerRef> layersFor(Node node) {
    Map<String, LayerRef> layers = new LinkedHashMap<>();
    for (ResolvedImage image : imagesFor(node)) {
      for (Layer layer : image.getLayers()) {
        layers.putIfAbsent(layer.getDiffID(), pinned(layer, source(image.getImage())));
      }
    }
    return new ArrayList<>(layers.values());
  }

  /** The resolved images this node caches: its own platform's, or every listed platform's. */
  List<ResolvedImage> imagesFor(Node node) {
    List<String> platforms = layerCache.getSpec().getPlatforms();
    boolean everyPlatform = platforms != null && !platforms.isEmpty();
    String own = Nodes.platform(node);
    return images.stream().filter(i -> everyPlatform || own.equals(i.getPlatform())).toList();
  }

  private LayerSource source(String image) {
    ImageReference ref = ImageReference.parse(image);
    LayerSource source = new LayerSource();
    source.setRegistry(ref.registry());
    source.setRepository(ref.repository());
    List<SecretRef> secrets = layerCache.getSpec().getPullSecrets();
    source.setPullSecrets(secrets == null || secrets.isEmpty() ? null : List.copyOf(secrets));
    return source;
  }

  private static LayerRef pinned(Layer layer, LayerSource source) {
    LayerRef ref = new LayerRef();
    ref.setDigest(layer.getDigest());
    ref.setDiffID(layer.getDiffID());
    ref.setSize(layer.getSize());
    ref.setMediaType(layer.getMediaType());
    ref.setSources(List.of(source));
    ref.setPinned(true);
    return ref;
  }
}
