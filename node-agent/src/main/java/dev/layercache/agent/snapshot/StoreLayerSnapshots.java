package dev.layercache.agent.snapshot;

import dev.layercache.agent.store.LayerRecord;
import dev.layercache.agent.store.LayerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * containerd's committed snapshots whose tree is a store layer, and the bytes containerd therefore
 * does not store twice. With its own overlayfs snapshotter containerd would hold, besides the
 * store's copy, an unpacked copy of the layer per snapshot (snapshots are per containerd namespace)
 * and the layer's compressed blob once in its content store (blobs are shared by digest). So:
 *
 * <ul>
 *   <li>unpacked = Σ over committed store-layer snapshots of the layer's unpacked size
 *   <li>blob = Σ over the distinct layers under them of the layer's compressed size
 *   <li>not stored twice = unpacked + blob
 * </ul>
 *
 * Not counted: active snapshots and views (a container's writable layer costs the same with either
 * snapshotter), and layers containerd unpacked itself into {@code ROOT/snapshots/} (their blob is
 * in its content store, their tree only here). docs/containerd.md says the same.
 *
 * @param snapshots committed snapshots standing on a store layer
 * @param layers the store layers under them, by diffID
 */
public record StoreLayerSnapshots(int snapshots, List<LayerUse> layers) {
  public static final StoreLayerSnapshots NONE = new StoreLayerSnapshots(0, List.of());

  /** One store layer and the committed snapshots on it. */
  public record LayerUse(String diffId, int snapshots, long unpackedBytes, long blobBytes) {}

  public long unpackedBytes() {
    return layers.stream().mapToLong(LayerUse::unpackedBytes).sum();
  }

  public long blobBytes() {
    return layers.stream().mapToLong(LayerUse::blobBytes).sum();
  }

  public long notStoredTwiceBytes() {
    return unpackedBytes() + blobBytes();
  }

  /** Counts {@code records} against the store's layers (a layer no longer there counts nothing). */
  static StoreLayerSnapshots count(Collection<Snapshot> records, LayerStore store)
      throws IOException {
    Map<String, Integer> perLayer = new TreeMap<>();
    for (Snapshot s : records) {
      if (s.kind() == Snapshot.Kind.COMMITTED && s.inStore()) {
        perLayer.merge(s.diffId(), 1, Integer::sum);
      }
    }
    int snapshots = 0;
    List<LayerUse> layers = new ArrayList<>();
    for (Map.Entry<String, Integer> e : perLayer.entrySet()) {
      Optional<LayerRecord> layer = store.layer(e.getKey());
      if (layer.isPresent()) {
        snapshots += e.getValue();
        layers.add(
            new LayerUse(
                e.getKey(),
                e.getValue(),
                e.getValue() * layer.get().unpackedBytes(),
                layer.get().compressedBytes()));
      }
    }
    return new StoreLayerSnapshots(snapshots, List.copyOf(layers));
  }

  /** Counts the snapshotter's records on {@code store}'s root, as they are on disk. */
  public static StoreLayerSnapshots read(LayerStore store) throws IOException {
    return count(SnapshotRecords.read(snapshotterRoot(store)), store);
  }

  private static Path snapshotterRoot(LayerStore store) {
    return store.layout().root().resolve(Snapshotter.DIRECTORY);
  }

  /**
   * Reads the records again only when their directory changed (every record is written by a rename
   * into it or removed from it, which changes its modification time): the agent asks at every sync.
   */
  public static final class Reader {
    private final LayerStore store;
    private FileTime seen;
    private StoreLayerSnapshots last = NONE;

    public Reader(LayerStore store) {
      this.store = store;
    }

    public StoreLayerSnapshots current() throws IOException {
      Path records = snapshotterRoot(store).resolve("records");
      FileTime modified;
      try {
        modified = Files.getLastModifiedTime(records);
      } catch (NoSuchFileException none) {
        return NONE;
      }
      if (!modified.equals(seen)) {
        last = read(store);
        seen = modified;
      }
      return last;
    }
  }
}
