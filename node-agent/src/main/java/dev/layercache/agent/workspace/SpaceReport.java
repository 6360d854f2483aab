package dev.layercache.agent.workspace;

import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the node holds and what sharing saves, exactly as PRODUCT.md defines it, for {@code
 * layercache df}, {@code images}, {@code layers}, the NodeCache status and the metrics alike:
 *
 * <ul>
 *   <li>logical = Σ cached images' uncompressed size + Σ workspaces' (lower layers + upper)
 *   <li>physical = Σ distinct layers on disk + Σ upper sizes
 *   <li>saved = logical − physical
 * </ul>
 *
 * Sizes are the layers' unpacked regular-file bytes and the uppers' measured bytes. An image is a
 * manifest: one cached under a tag and under its digest counts once.
 *
 * @param layerUsers per diffID, the references of the cached images that use it
 */
public record SpaceReport(
    long logicalBytes,
    long physicalBytes,
    long layerBytes,
    int layerCount,
    long upperBytes,
    List<ImageUsage> images,
    List<WorkspaceUsage> workspaces,
    Map<String, Set<String>> layerUsers) {

  public long savedBytes() {
    return logicalBytes - physicalBytes;
  }

  /**
   * One cached image: its size, the part shared with other cached images and the rest (as {@code
   * docker system df -v}), and how many workspaces it has.
   */
  public record ImageUsage(
      ImageRecord image, long sizeBytes, long sharedBytes, long uniqueBytes, int workspaces) {
    public String reference() {
      return image.reference();
    }

    public long compressedBytes() {
      return image.layers().stream().mapToLong(ImageRecord.Layer::compressedBytes).sum();
    }
  }

  /** One workspace: the size of its lower layers and of its upper layer, and its upper's limit. */
  public record WorkspaceUsage(
      String name,
      String image,
      String state,
      long lowerBytes,
      long upperBytes,
      Long sizeLimitBytes) {
    public boolean overSizeLimit() {
      return sizeLimitBytes != null && upperBytes > sizeLimitBytes;
    }
  }

  public static SpaceReport compute(
      List<ImageRecord> images, List<LayerRecord> layers, List<WorkspaceInfo> workspaces) {
    Map<String, Long> sizes = new LinkedHashMap<>();
    layers.forEach(l -> sizes.put(l.diffId(), l.unpackedBytes()));
    Map<String, Set<String>> manifestsUsing = new LinkedHashMap<>();
    Map<String, Set<String>> layerUsers = new LinkedHashMap<>();
    for (ImageRecord image : images) {
      for (String diffId : distinct(image)) {
        manifestsUsing
            .computeIfAbsent(diffId, k -> new LinkedHashSet<>())
            .add(image.manifestDigest());
        layerUsers.computeIfAbsent(diffId, k -> new LinkedHashSet<>()).add(image.reference());
      }
    }
    long logical = 0;
    Set<String> counted = new HashSet<>();
    List<ImageUsage> imageUsages = new ArrayList<>();
    for (ImageRecord image :
        images.stream().sorted(Comparator.comparing(ImageRecord::reference)).toList()) {
      long size = 0;
      long shared = 0;
      for (String diffId : distinct(image)) {
        long bytes = sizes.getOrDefault(diffId, 0L);
        size += bytes;
        if (manifestsUsing.get(diffId).size() > 1) {
          shared += bytes;
        }
      }
      if (counted.add(image.manifestDigest())) {
        logical += size;
      }
      int count =
          (int)
              workspaces.stream().filter(w -> w.record().image().equals(image.reference())).count();
      imageUsages.add(new ImageUsage(image, size, shared, size - shared, count));
    }
    long uppers = 0;
    List<WorkspaceUsage> workspaceUsages = new ArrayList<>();
    for (WorkspaceInfo ws : workspaces) {
      long lower = 0;
      for (String diffId : new LinkedHashSet<>(ws.record().lowers())) {
        lower += sizes.getOrDefault(diffId, 0L);
      }
      logical += lower + ws.upperBytes();
      uppers += ws.upperBytes();
      workspaceUsages.add(
          new WorkspaceUsage(
              ws.record().name(),
              ws.record().image(),
              ws.state(),
              lower,
              ws.upperBytes(),
              ws.record().sizeLimitBytes()));
    }
    long layerBytes = sizes.values().stream().mapToLong(Long::longValue).sum();
    return new SpaceReport(
        logical,
        layerBytes + uppers,
        layerBytes,
        sizes.size(),
        uppers,
        imageUsages,
        workspaceUsages,
        layerUsers);
  }

  private static Set<String> distinct(ImageRecord image) {
    Set<String> diffIds = new LinkedHashSet<>();
    image.layers().forEach(l -> diffIds.add(l.diffId()));
    return diffIds;
  }
}
