package dev.layercache.agent.snapshot;

import dev.layercache.agent.store.DiskBudget;
import dev.layercache.agent.store.LayerFetcher;
import dev.layercache.agent.store.LayerRecord;
import dev.layercache.agent.store.PullListener;
import dev.layercache.oci.Digest;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Layer;
import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryClient;
import dev.layercache.oci.ResolvedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the layers the CRI plugin names: with {@code disable_snapshot_annotations = false} each
 * Prepare carries the image reference, its manifest digest and the layer's compressed digest. The
 * layer is fetched and verified by layercache's own pull (the node's registry settings and
 * credentials) into the store, as stargz does for its remote layers.
 */
public final class CriLabelledLayers implements ColdLayers {
  private static final Logger LOG = LoggerFactory.getLogger(CriLabelledLayers.class);

  private final RegistryClient registry;
  private final LayerFetcher fetcher;
  private final DiskBudget budget;
  private final Path storeRoot;
  private final Platform platform;

  public CriLabelledLayers(
      RegistryClient registry,
      LayerFetcher fetcher,
      DiskBudget budget,
      Path storeRoot,
      Platform platform) {
    this.registry = registry;
    this.fetcher = fetcher;
    this.budget = budget;
    this.storeRoot = storeRoot;
    this.platform = platform;
  }

  @Override
  public Optional<String> fetch(String chainId, String parentChainId, Map<String, String> labels)
      throws IOException {
    String image = labels.get(Labels.CRI_IMAGE_REF);
    String layerDigest = labels.get(Labels.CRI_LAYER_DIGEST);
    if (image == null || layerDigest == null) {
      return Optional.empty();
    }
    ImageReference ref;
    try {
      ref = ImageReference.parse(image);
      String manifest = labels.get(Labels.CRI_MANIFEST_DIGEST);
      if (manifest != null) {
        ref = ref.withDigest(Digest.parse(manifest));
      }
    } catch (IllegalArgumentException unreadable) {
      // Labels that name no image this pull can read name no layer it can fetch: containerd
      // unpacks the layer itself, as it does when there are no labels.
      LOG.warn("Prepare of {}: CRI labels name no image layercache reads: {}", chainId, unreadable);
      return Optional.empty();
    }
    ResolvedImage resolved = registry.resolve(ref, platform);
    Optional<Layer> layer =
        resolved.layers().stream()
            .filter(l -> l.blob().digest().toString().equals(layerDigest))
            .filter(l -> ChainId.of(parentChainId, l.diffId().toString()).equals(chainId))
            .findFirst();
    if (layer.isEmpty()) {
      return Optional.empty();
    }
    budget.check(
        storeRoot,
        layer.get().blob().size(), // the least it takes; the fetch guards the unpack itself
        "layer " + layerDigest + " of " + image);
    PullListener quiet = new PullListener() {};
    CompletableFuture<LayerRecord> asked = fetcher.fetch(resolved.reference(), layer.get(), quiet);
    prefetchAbove(resolved, layer.get(), quiet);
    LayerFetcher.await(asked);
    return Optional.of(layer.get().diffId().toString());
  }

  /**
   * containerd asks for an image's layers one after the other, bottom first, each Prepare waiting
   * for its layer: the layers above this one are fetched now, in parallel, so they are in the store
   * (or on their way: fetches of one layer are shared) when their turn comes. Only when all of them
   * fit under the watermark; else each is fetched when asked.
   */
  private void prefetchAbove(ResolvedImage image, Layer asked, PullListener quiet) {
    List<Layer> above =
        image.layers().subList(image.layers().indexOf(asked) + 1, image.layers().size());
    try {
      budget.check(
          storeRoot,
          above.stream().mapToLong(l -> l.blob().size()).sum(),
          "prefetch of " + above.size() + " layers of " + image.reference());
    } catch (IOException tooBig) {
      return;
    }
    above.forEach(l -> fetcher.fetch(image.reference(), l, quiet));
  }
}
