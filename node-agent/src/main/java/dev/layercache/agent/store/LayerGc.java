package dev.layercache.agent.store;

import dev.layercache.agent.kernel.FsStats;
import dev.layercache.agent.kernel.Syscalls;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evicts layers nobody needs once the store's filesystem passes a high watermark, least recently
 * used first, until it is under a low watermark. Layers pinned by a LayerCache or used by a
 * workspace are never evicted. Freed space is estimated from the layers' recorded sizes.
 */
public final class LayerGc {
  private final LayerStore store;

  public LayerGc(LayerStore store) {
    this.store = store;
  }

  /** A layer to evict and when it was last used. */
  public record Victim(LayerRecord layer, Instant lastUsed) {}

  /**
   * What GC decided: the disk before, the watermarks in bytes, the layers to evict, and how many
   * layers it had to keep (in use or pinned).
   */
  public record Plan(
      long capacityBytes,
      long usedBytes,
      long highBytes,
      long lowBytes,
      List<Victim> evict,
      int protectedLayers,
      int evictableLayers) {

    public long freedBytes() {
      return evict.stream().mapToLong(v -> v.layer().unpackedBytes()).sum();
    }

    public boolean overHighWatermark() {
      return usedBytes > highBytes;
    }

    /** Still over the low watermark after evicting everything allowed. */
    public boolean stillOverLow() {
      return usedBytes - freedBytes() > lowBytes;
    }
  }

  /** The pure decision, from the layers, their last use, what is protected and the disk. */
  public static Plan plan(
      List<LayerRecord> layers,
      Map<String, Instant> lastUsed,
      Set<String> protectedIds,
      long capacityBytes,
      long usedBytes,
      double highWatermark,
      double lowWatermark) {
    if (!(0 <= lowWatermark && lowWatermark <= highWatermark && highWatermark <= 1)) {
      throw new IllegalArgumentException(
          "watermarks must satisfy 0 <= low <= high <= 1, got low "
              + lowWatermark
              + " and high "
              + highWatermark);
    }
    long high = (long) (capacityBytes * highWatermark);
    long low = (long) (capacityBytes * lowWatermark);
    List<Victim> candidates = new ArrayList<>();
    int kept = 0;
    for (LayerRecord layer : layers) {
      if (protectedIds.contains(layer.diffId())) {
        kept++;
      } else {
        candidates.add(new Victim(layer, lastUsed.getOrDefault(layer.diffId(), layer.createdAt())));
      }
    }
    candidates.sort(Comparator.comparing(Victim::lastUsed).thenComparing(v -> v.layer().diffId()));
    List<Victim> evict = new ArrayList<>();
    if (usedBytes > high) {
      long remaining = usedBytes;
      for (Victim victim : candidates) {
        if (remaining <= low) {
          break;
        }
        evict.add(victim);
        remaining -= victim.layer().unpackedBytes();
      }
    }
    return new Plan(capacityBytes, usedBytes, high, low, evict, kept, candidates.size());
  }

  /**
   * Plans against the store's real filesystem and, unless {@code dryRun}, evicts. {@code inUse}:
   * the layers of every workspace (mounted or retained).
   */
  public Plan run(Set<String> inUse, double highWatermark, double lowWatermark, boolean dryRun)
      throws IOException {
    Set<String> protectedIds = new HashSet<>(inUse);
    for (Pin pin : store.pins()) {
      protectedIds.addAll(pin.diffIds());
    }
    List<LayerRecord> layers = store.layers();
    Map<String, Instant> lastUsed = new HashMap<>();
    for (LayerRecord layer : layers) {
      lastUsed.put(layer.diffId(), store.lastUsed(layer));
    }
    FsStats fs = Syscalls.statfs(store.layout().root());
    long capacity = fs.capacityBytes();
    long used = capacity - fs.freeBlocks() * fs.blockSize();
    Plan plan = plan(layers, lastUsed, protectedIds, capacity, used, highWatermark, lowWatermark);
    if (!dryRun) {
      for (Victim victim : plan.evict()) {
        store.evict(victim.layer().diffId());
      }
    }
    return plan;
  }
}
