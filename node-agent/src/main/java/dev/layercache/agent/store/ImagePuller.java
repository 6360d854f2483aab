package dev.layercache.agent.store;

import dev.layercache.oci.Digest;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Layer;
import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryClient;
import dev.layercache.oci.ResolvedImage;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * Pulls images into the store: resolve, check the disk budget, fetch the missing layers in parallel
 * (see {@link LayerFetcher}), and record the image.
 */
public final class ImagePuller {
  private final RegistryClient registry;
  private final LayerStore store;
  private final DiskBudget budget;
  private final LayerFetcher fetcher;
  private final Clock clock;

  public ImagePuller(
      RegistryClient registry,
      LayerStore store,
      DiskBudget budget,
      ExecutorService executor,
      Clock clock) {
    this.registry = registry;
    this.store = store;
    this.budget = budget;
    this.fetcher = new LayerFetcher(registry, store, budget, executor, clock);
    this.clock = clock;
  }

  /** What a pull did: the image record and, per layer (bottom first), whether it was cached. */
  public record PullResult(ImageRecord image, List<LayerOutcome> layers) {}

  /** One layer of a pull. */
  public record LayerOutcome(Layer layer, LayerRecord stored, boolean wasCached) {}

  /**
   * The image's record when every layer is already in the store (no registry needed), else pulls
   * it: the cached copy wins, as {@code docker run} uses a local image.
   */
  public ImageRecord ensure(ImageReference ref, Platform platform, PullListener listener)
      throws IOException {
    Optional<ImageRecord> cached = store.image(ref.toString());
    if (cached.isPresent() && cached.get().layers().stream().allMatch(l -> store.has(l.diffId()))) {
      return cached.get();
    }
    return pull(ref, platform, listener).image();
  }

  public PullResult pull(ImageReference ref, Platform platform, PullListener listener)
      throws IOException {
    ResolvedImage image = registry.resolve(ref, platform);
    List<Layer> missing = new ArrayList<>();
    List<Boolean> cached = new ArrayList<>();
    for (Layer layer : image.layers()) {
      boolean present = store.layer(layer.diffId().toString()).isPresent();
      cached.add(present);
      if (!present && missing.stream().noneMatch(m -> m.diffId().equals(layer.diffId()))) {
        missing.add(layer);
      }
    }
    long needed = missing.stream().mapToLong(l -> l.blob().size()).sum();
    budget.check(store.layout().root(), needed, "pull of " + ref);

    // Biggest first: the largest layer is the critical path of the whole pull.
    missing.sort(Comparator.comparingLong((Layer l) -> l.blob().size()).reversed());
    Map<Digest, CompletableFuture<LayerRecord>> pulls = new ConcurrentHashMap<>();
    for (Layer layer : missing) {
      pulls.put(layer.diffId(), fetcher.fetch(image.reference(), layer, listener));
    }
    List<LayerOutcome> outcomes = new ArrayList<>();
    List<ImageRecord.Layer> recordLayers = new ArrayList<>();
    for (int i = 0; i < image.layers().size(); i++) {
      Layer layer = image.layers().get(i);
      LayerRecord stored =
          cached.get(i)
              ? store.layer(layer.diffId().toString()).orElseThrow()
              : LayerFetcher.await(pulls.get(layer.diffId()));
      if (cached.get(i)) {
        listener.finished(layer.diffId().toString(), true);
      }
      outcomes.add(new LayerOutcome(layer, stored, cached.get(i)));
      recordLayers.add(
          new ImageRecord.Layer(
              layer.diffId().toString(),
              layer.blob().digest().toString(),
              layer.blob().mediaType(),
              layer.blob().size()));
    }
    ImageRecord record =
        new ImageRecord(
            ref.toString(),
            image.manifestDigest().toString(),
            image.platform().toString(),
            recordLayers,
            clock.instant());
    store.saveImage(record);
    return new PullResult(record, outcomes);
  }
}
