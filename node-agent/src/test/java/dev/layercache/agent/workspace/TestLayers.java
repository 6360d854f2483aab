package dev.layercache.agent.workspace;

import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Puts hand-made layers and image records straight into a store, for tests without a registry. */
final class TestLayers {
  private TestLayers() {}

  /** A layer with these files (path → content); its "diffID" is derived from the content. */
  static String layer(LayerStore store, Map<String, String> files) throws IOException {
    String diffId = Digest.sha256(files.toString().getBytes(StandardCharsets.UTF_8)).toString();
    if (store.layer(diffId).isPresent()) {
      return diffId;
    }
    Path staged = store.newStagingDir();
    Path diff = Files.createDirectory(staged.resolve("diff"));
    long bytes = 0;
    for (Map.Entry<String, String> file : files.entrySet()) {
      Path target = diff.resolve(file.getKey());
      Files.createDirectories(target.getParent());
      Files.writeString(target, file.getValue());
      bytes += file.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    store.commit(
        staged,
        new LayerRecord(
            diffId, bytes, files.size(), diffId, "application/x-test", bytes, Instant.now()));
    return diffId;
  }

  /** An image record over these layers (base first). */
  static ImageRecord image(LayerStore store, String reference, List<String> diffIds)
      throws IOException {
    List<ImageRecord.Layer> layers = new ArrayList<>();
    for (String diffId : diffIds) {
      layers.add(new ImageRecord.Layer(diffId, diffId, "application/x-test", 1));
    }
    ImageRecord image =
        new ImageRecord(
            reference,
            Digest.sha256(reference.getBytes(StandardCharsets.UTF_8)).toString(),
            "linux/amd64",
            layers,
            Instant.now());
    store.saveImage(image);
    return image;
  }
}
