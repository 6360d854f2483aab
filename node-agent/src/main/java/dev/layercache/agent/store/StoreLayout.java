package dev.layercache.agent.store;

import java.nio.file.Path;

/**
 * Where things live under the store root.
 *
 * <pre>
 * ROOT/lock                      held (flock) by the one process that writes the store
 * ROOT/staging/                  downloads and unpacks in progress; cleared at start
 * ROOT/layers/HEX/diff/          one unpacked layer, keyed by its diffID, ready to be a lowerdir
 * ROOT/layers/HEX/layer.json     what the layer is: diffID, sizes, the blob it came from
 * ROOT/images/HEX.json           an image record: reference, manifest digest, ordered diffIDs
 * </pre>
 */
public record StoreLayout(Path root) {

  public StoreLayout {
    root = root.toAbsolutePath().normalize();
  }

  public Path lockFile() {
    return root.resolve("lock");
  }

  public Path staging() {
    return root.resolve("staging");
  }

  public Path layers() {
    return root.resolve("layers");
  }

  public Path images() {
    return root.resolve("images");
  }

  /** The directory of one layer; {@code diffId} is {@code sha256:HEX}. */
  public Path layer(String diffId) {
    return layers().resolve(hex(diffId));
  }

  /** The unpacked tree of one layer: what overlayfs gets as a lowerdir. */
  public Path layerDiff(String diffId) {
    return layer(diffId).resolve(LAYER_DIFF);
  }

  public Path image(String recordKey) {
    return images().resolve(recordKey + ".json");
  }

  static final String LAYER_DIFF = "diff";
  static final String LAYER_RECORD = "layer.json";

  static String hex(String digest) {
    if (!digest.matches("sha256:[a-f0-9]{64}")) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    return digest.substring("sha256:".length());
  }
}
