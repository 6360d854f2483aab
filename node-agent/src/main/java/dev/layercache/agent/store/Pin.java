package dev.layercache.agent.store;

import java.time.Instant;
import java.util.List;

/**
 * Layers kept by an owner (a LayerCache): GC never evicts them while the pin exists.
 *
 * @param owner who pins, e.g. {@code LayerCache/busybox}
 * @param images the image references the layers came from (for people reading the pin)
 * @param diffIds the pinned layers
 */
public record Pin(String owner, List<String> images, List<String> diffIds, Instant updatedAt) {
  public Pin {
    images = List.copyOf(images);
    diffIds = List.copyOf(diffIds);
  }
}
