package dev.layercache.oci.testing;

import dev.layercache.oci.BlobContent;
import dev.layercache.oci.Descriptor;
import dev.layercache.oci.Digest;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryClient;
import java.io.IOException;
import java.util.List;

/**
 * An image built in memory by {@link ImageBuilder}: exact manifest and config bytes, and its
 * layers.
 */
public record TestImage(
    Platform platform,
    String manifestMediaType,
    byte[] manifest,
    Descriptor config,
    byte[] configJson,
    List<LayerBlob> layers) {

  public Digest digest() {
    return Digest.sha256(manifest);
  }

  /** How an index refers to this image. */
  public Descriptor descriptor() {
    return new Descriptor(manifestMediaType, digest(), manifest.length).withPlatform(platform);
  }

  public List<Digest> diffIds() {
    return layers.stream().map(LayerBlob::diffId).toList();
  }

  public List<Descriptor> layerDescriptors() {
    return layers.stream().map(LayerBlob::descriptor).toList();
  }

  /**
   * Pushes config, layers and manifest (under the reference's tag or digest); returns its digest.
   */
  public Digest push(RegistryClient client, ImageReference ref) throws IOException {
    client.pushBlob(ref, config, BlobContent.of(configJson));
    for (LayerBlob layer : layers) {
      client.pushBlob(ref, layer.descriptor(), BlobContent.of(layer.bytes()));
    }
    return client.pushManifest(ref, manifestMediaType, manifest);
  }
}
