package dev.layercache.agent.store;

import java.nio.file.Path;

/**
 * Where things live under the store root.
 *
 * <pre>
 * ROOT/lock                      held (flock) by the one process that writes the store
 * ROOT/daemon.sock               the daemon's local API, while a daemon serves this root
 * ROOT/staging/                  downloads and unpacks in progress; cleared at start
 * ROOT/layers/HEX/diff/          one unpacked layer, keyed by its diffID, ready to be a lowerdir
 * ROOT/layers/HEX/layer.json     what the layer is: diffID, sizes, the blob it came from
 * ROOT/images/HEX.json           an image record: reference, manifest digest, ordered diffIDs
 * ROOT/layers/HEX/last-used      empty file; its mtime is when a workspace last mounted the layer
 * ROOT/pins/KEY.json             layers a LayerCache keeps (never evicted while pinned)
 * ROOT/workspaces/NAME/          one workspace: upper/, work/, merged/, workspace.json
 * ROOT/l/                        short links to layers, for kernels without lowerdir+
 * </pre>
 */
public record StoreLayout(Path root) {

  public StoreLayout {
    root = root.toAbsolutePath().normalize();
  }

  public Path lockFile() {
    return root.resolve("lock");
  }

  /** Where the daemon serving this root takes the CLI's commands (see LocalApi). */
  public Path daemonSocket() {
    return root.resolve("daemon.sock");
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

  public Path pins() {
    return root.resolve("pins");
  }

  public Path workspaces() {
    return root.resolve("workspaces");
  }

  /** One workspace's directory; the name is checked by the workspace code before it gets here. */
  public Path workspace(String name) {
    return workspaces().resolve(name);
  }

  /** Short links to lower directories (the mount(2) fallback of the overlay mounter). */
  public Path links() {
    return root.resolve("l");
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
  static final String LAYER_LAST_USED = "last-used";

  static String hex(String digest) {
    if (!digest.matches("sha256:[a-f0-9]{64}")) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    return digest.substring("sha256:".length());
  }
}
