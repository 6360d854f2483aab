package dev.layercache.oci;

import java.util.List;
import java.util.Optional;

/**
 * An image resolved for one platform: the digests that pin it, its config and its layers.
 *
 * @param manifestDigest digest of the platform's image manifest
 * @param indexDigest digest of the index or manifest list it was chosen from, if any
 */
public record ResolvedImage(
    ImageReference reference,
    Digest manifestDigest,
    Optional<Digest> indexDigest,
    String manifestMediaType,
    Platform platform,
    Descriptor configDescriptor,
    ImageConfig config,
    List<Layer> layers) {

  public ResolvedImage {
    layers = List.copyOf(layers);
  }

  /** The reference pinned to what was resolved: the index digest if there was one. */
  public ImageReference pinnedReference() {
    return reference.withDigest(indexDigest.orElse(manifestDigest));
  }

  /** Sum of the layer blobs' sizes, i.e. bytes to download. */
  public long compressedSize() {
    return layers.stream().mapToLong(l -> l.blob().size()).sum();
  }

  public List<Digest> diffIds() {
    return layers.stream().map(Layer::diffId).toList();
  }
}
