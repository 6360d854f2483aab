package dev.layercache.agent.cli;

import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerRecord;
import dev.layercache.agent.store.LayerStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A read-only snapshot of the store: images, layers, and which images share which layers. */
record StoreView(
    List<ImageRecord> images, Map<String, LayerRecord> layers, Map<String, Set<String>> users) {

  static StoreView read(Path root) throws IOException {
    LayerStore store = LayerStore.openReadOnly(root);
    List<ImageRecord> images = new ArrayList<>(store.images());
    images.sort((a, b) -> a.reference().compareTo(b.reference()));
    Map<String, LayerRecord> layers = new LinkedHashMap<>();
    for (LayerRecord layer : store.layers()) {
      layers.put(layer.diffId(), layer);
    }
    Map<String, Set<String>> users = new LinkedHashMap<>();
    for (ImageRecord image : images) {
      for (ImageRecord.Layer layer : image.layers()) {
        users.computeIfAbsent(layer.diffId(), k -> new LinkedHashSet<>()).add(image.reference());
      }
    }
    return new StoreView(images, layers, users);
  }

  long unpacked(String diffId) {
    LayerRecord layer = layers.get(diffId);
    return layer == null ? 0 : layer.unpackedBytes();
  }

  /** Unpacked bytes of the image's distinct layers used by other images too. */
  long shared(ImageRecord image) {
    return distinct(image).stream()
        .filter(d -> users.get(d).size() > 1)
        .mapToLong(this::unpacked)
        .sum();
  }

  long size(ImageRecord image) {
    return distinct(image).stream().mapToLong(this::unpacked).sum();
  }

  static Set<String> distinct(ImageRecord image) {
    Set<String> diffIds = new LinkedHashSet<>();
    image.layers().forEach(l -> diffIds.add(l.diffId()));
    return diffIds;
  }
}
