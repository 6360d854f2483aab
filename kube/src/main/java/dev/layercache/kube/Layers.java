package dev.layercache.kube;

import dev.layercache.api.v1alpha1.Layer;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.oci.Descriptor;
import dev.layercache.oci.Digest;
import java.util.List;

/**
 * The one mapping per boundary for a layer: as the registry describes it ({@code oci.Layer}), as
 * the API records it ({@code Layer}), as a node is told to hold it ({@code LayerRef}) and back.
 */
public final class Layers {
  private Layers() {}

  /** A resolved layer as the API records it. */
  public static Layer toApi(dev.layercache.oci.Layer layer) {
    return layer(
        layer.blob().digest().toString(),
        layer.diffId().toString(),
        layer.blob().size(),
        layer.blob().mediaType());
  }

  /** What an instruction says of the layer itself. */
  public static Layer toApi(LayerRef ref) {
    return layer(ref.getDigest(), ref.getDiffID(), ref.getSize(), ref.getMediaType());
  }

  private static Layer layer(String digest, String diffId, Long size, String mediaType) {
    Layer api = new Layer();
    api.setDigest(digest);
    api.setDiffID(diffId);
    api.setSize(size);
    api.setMediaType(mediaType);
    return api;
  }

  /** An instruction to hold {@code layer}, fetched from {@code sources}. */
  public static LayerRef toRef(Layer layer, List<LayerSource> sources, boolean pinned) {
    LayerRef ref = new LayerRef();
    ref.setDigest(layer.getDigest());
    ref.setDiffID(layer.getDiffID());
    ref.setSize(layer.getSize());
    ref.setMediaType(layer.getMediaType());
    ref.setSources(List.copyOf(sources));
    ref.setPinned(pinned);
    return ref;
  }

  /** The blob to fetch for an instruction; an unknown size is -1. */
  public static dev.layercache.oci.Layer toOci(LayerRef ref) {
    return new dev.layercache.oci.Layer(
        new Descriptor(
            ref.getMediaType(),
            Digest.parse(ref.getDigest()),
            ref.getSize() == null ? -1 : ref.getSize()),
        Digest.parse(ref.getDiffID()));
  }
}
