package dev.layercache.agent.snapshot;

import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.OverlayMounter;
import dev.layercache.agent.store.LayerRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.Pin;
import dev.layercache.agent.workspace.UpperUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * containerd's snapshots on top of the layer store: the rules of containerd's overlay snapshotter
 * (active snapshots get {@code fs/} and {@code work/}, views, commits, the same mounts) plus one
 * check: a Prepare whose target chain ID is a layer the store has (or can fetch, see {@link
 * ColdLayers}) becomes a committed snapshot whose tree is the store's layer directory, and
 * containerd hears ALREADY_EXISTS, so it neither fetches nor unpacks that layer.
 *
 * <pre>
 * ROOT/snapshots/records/HASH.json  one record per snapshot (see {@link SnapshotRecords})
 * ROOT/snapshots/ID/fs/             the tree of a snapshot that is not a store layer
 * ROOT/snapshots/ID/work/           overlayfs's scratch directory for it
 * </pre>
 *
 * Mounts are computed from the records on every call and never performed here. Store layers under a
 * snapshot are pinned (owner {@value #PIN_OWNER}) so layercache's GC keeps them; removing a
 * snapshot drops its record and never a store layer.
 */
public final class Snapshotter {
  /** The pin that keeps the store layers containerd's snapshots stand on. */
  public static final String PIN_OWNER = "containerd/snapshots";

  private static final String SHA256 = "sha256:[a-f0-9]{64}";

  /** The snapshotter's directory under the store's root. */
  static final String DIRECTORY = "snapshots";

  private final LayerStore store;
  private final Path root;
  private final SnapshotRecords records;
  private final ColdLayers cold;
  private final boolean indexOff;
  private final Clock clock;
  private final Map<String, Snapshot> byName;

  /**
   * Opens the snapshotter's records under {@code ROOT/snapshots}, repairs the store pin and removes
   * directories no record owns (what a crash between the two left).
   *
   * @param indexOff add {@code index=off} to overlay mounts (the kernel has the option)
   */
  public Snapshotter(LayerStore store, ColdLayers cold, boolean indexOff, Clock clock)
      throws IOException {
    this.store = store;
    this.root = Files.createDirectories(store.layout().root().resolve(DIRECTORY));
    this.records = new SnapshotRecords(root);
    this.cold = cold;
    this.indexOff = indexOff;
    this.clock = clock;
    this.byName = records.load();
    pinStoreLayers();
    cleanup();
  }

  public List<SnapshotMount> prepare(String key, String parent, Map<String, String> labels)
      throws SnapshotException, IOException {
    String target = labels.get(Labels.TARGET);
    if (target != null) {
      Optional<String> layer = storeLayerFor(target, parent, labels);
      if (layer.isPresent() && recordStoreLayer(target, parent, layer.get(), labels)) {
        throw SnapshotException.alreadyExists("target snapshot " + target);
      }
    }
    return create(Snapshot.Kind.ACTIVE, key, parent, labels);
  }

  public List<SnapshotMount> view(String key, String parent, Map<String, String> labels)
      throws SnapshotException, IOException {
    return create(Snapshot.Kind.VIEW, key, parent, labels);
  }

  public synchronized List<SnapshotMount> mounts(String key) throws SnapshotException, IOException {
    Snapshot s = get(key);
    if (s.kind() == Snapshot.Kind.COMMITTED) {
      throw new SnapshotException(
          SnapshotException.Reason.FAILED_PRECONDITION,
          "snapshot " + key + " is committed: only active snapshots and views have mounts");
    }
    return mountsOf(s);
  }

  public synchronized void commit(String name, String key, Map<String, String> labels)
      throws SnapshotException, IOException {
    if (name.isEmpty()) {
      // "" is "no parent" to every other request: a snapshot of that name would be its own parent.
      throw new SnapshotException(SnapshotException.Reason.INVALID_ARGUMENT, "empty snapshot name");
    }
    Snapshot active = get(key);
    if (active.kind() != Snapshot.Kind.ACTIVE) {
      throw new SnapshotException(
          SnapshotException.Reason.FAILED_PRECONDITION, "snapshot " + key + " is not active");
    }
    if (byName.containsKey(name)) {
      throw SnapshotException.alreadyExists("snapshot " + name);
    }
    Map<String, String> merged = new HashMap<>(active.labels());
    merged.putAll(labels);
    Snapshot committed =
        new Snapshot(
            name,
            active.parent(),
            Snapshot.Kind.COMMITTED,
            merged,
            clock.instant(),
            clock.instant(),
            active.id(),
            null,
            merged.get(Labels.TARGET));
    // The committed record first: a crash between the two writes leaves both, and load() keeps
    // the committed one.
    records.save(committed);
    records.delete(key);
    byName.remove(key);
    byName.put(name, committed);
  }

  public synchronized void remove(String key) throws SnapshotException, IOException {
    Snapshot s = get(key);
    if (byName.values().stream().anyMatch(c -> c.parent().equals(key))) {
      throw new SnapshotException(
          SnapshotException.Reason.FAILED_PRECONDITION,
          "cannot remove snapshot " + key + ": it has children");
    }
    records.delete(key);
    byName.remove(key);
    if (s.inStore()) {
      pinStoreLayers();
    } else {
      DirFd.deleteTree(root.resolve(s.id()));
    }
  }

  public synchronized Snapshot stat(String key) throws SnapshotException {
    return get(key);
  }

  /**
   * Updates a snapshot's labels, the only mutable field. {@code fieldPaths} as containerd sends
   * them: empty or {@code labels} replaces every label, {@code labels.KEY} sets or removes one.
   */
  public synchronized Snapshot update(
      String key, Map<String, String> labels, List<String> fieldPaths)
      throws SnapshotException, IOException {
    Snapshot s = get(key);
    Map<String, String> updated = new HashMap<>(s.labels());
    if (fieldPaths.isEmpty()) {
      updated = new HashMap<>(labels);
    }
    for (String path : fieldPaths) {
      if (path.equals("labels")) {
        updated = new HashMap<>(labels);
      } else if (path.startsWith("labels.")) {
        String label = path.substring("labels.".length());
        if (labels.containsKey(label)) {
          updated.put(label, labels.get(label));
        } else {
          updated.remove(label);
        }
      } else {
        throw new SnapshotException(
            SnapshotException.Reason.INVALID_ARGUMENT,
            "cannot update field " + path + " of snapshot " + key + ": only labels change");
      }
    }
    Snapshot changed = s.withLabels(updated, clock.instant());
    records.save(changed);
    byName.put(key, changed);
    return changed;
  }

  /** Bytes and inodes of a snapshot's own tree: a store layer's as the store recorded them. */
  public record Usage(long bytes, long inodes) {}

  public Usage usage(String key) throws SnapshotException, IOException {
    Snapshot s = stat(key);
    if (s.inStore()) {
      Optional<LayerRecord> layer = store.layer(s.diffId());
      return layer.map(l -> new Usage(l.unpackedBytes(), l.entries())).orElse(new Usage(0, 0));
    }
    Path tree = root.resolve(s.id()).resolve("fs");
    long inodes;
    try (Stream<Path> entries = Files.walk(tree)) {
      inodes = entries.count() - 1;
    }
    return new Usage(UpperUsage.bytes(tree), inodes);
  }

  public synchronized List<Snapshot> list() {
    return List.copyOf(byName.values());
  }

  /** Removes the directories no record owns: what a crash between two steps left behind. */
  public synchronized void cleanup() throws IOException {
    Set<String> owned = new HashSet<>();
    byName.values().stream().map(Snapshot::id).forEach(owned::add);
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.toList()) {
        String name = dir.getFileName().toString();
        if (!name.equals("records") && !owned.contains(name)) {
          DirFd.deleteTree(dir);
        }
      }
    }
  }

  private synchronized List<SnapshotMount> create(
      Snapshot.Kind kind, String key, String parent, Map<String, String> labels)
      throws SnapshotException, IOException {
    if (key.isEmpty()) {
      throw new SnapshotException(SnapshotException.Reason.INVALID_ARGUMENT, "empty snapshot key");
    }
    if (byName.containsKey(key)) {
      throw SnapshotException.alreadyExists("snapshot " + key);
    }
    if (!parent.isEmpty()) {
      Snapshot p = byName.get(parent);
      if (p == null) {
        throw SnapshotException.notFound("parent snapshot " + parent);
      }
      if (p.kind() != Snapshot.Kind.COMMITTED) {
        throw new SnapshotException(
            SnapshotException.Reason.INVALID_ARGUMENT,
            "parent " + parent + " of snapshot " + key + " is not a committed snapshot");
      }
    }
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    Path dir = root.resolve(id);
    Files.createDirectories(dir.resolve("fs"));
    Files.createDirectories(dir.resolve("work"));
    Snapshot s =
        new Snapshot(key, parent, kind, labels, clock.instant(), clock.instant(), id, null, null);
    records.save(s);
    byName.put(key, s);
    return mountsOf(s);
  }

  /**
   * The store layer that turns the parent into {@code target}: one already in the store, else one
   * {@link ColdLayers} fetches (outside the lock: a download must not stall other requests).
   */
  private Optional<String> storeLayerFor(String target, String parent, Map<String, String> labels)
      throws IOException {
    if (!target.matches(SHA256)) {
      return Optional.empty(); // no chain ID: no store layer is that snapshot
    }
    String parentChain = null;
    if (!parent.isEmpty()) {
      synchronized (this) {
        Snapshot p = byName.get(parent);
        if (p == null || p.kind() != Snapshot.Kind.COMMITTED || p.chainId() == null) {
          return Optional.empty(); // the ordinary path reports a bad parent
        }
        parentChain = p.chainId();
      }
    }
    Optional<String> present = storeLayerWithChain(target, parentChain);
    return present.isPresent() ? present : cold.fetch(target, parentChain, labels);
  }

  private Optional<String> storeLayerWithChain(String target, String parentChain)
      throws IOException {
    if (parentChain == null) {
      return store.has(target) ? Optional.of(target) : Optional.empty();
    }
    Path layers = store.layout().layers();
    if (!Files.isDirectory(layers)) {
      return Optional.empty();
    }
    try (Stream<Path> dirs = Files.list(layers)) {
      return dirs.map(d -> "sha256:" + d.getFileName())
          .filter(diffId -> diffId.matches(SHA256))
          .filter(diffId -> ChainId.of(parentChain, diffId).equals(target))
          .filter(store::has)
          .findFirst();
    }
  }

  /** Records the snapshot of a store layer; false when GC evicted the layer meanwhile. */
  private synchronized boolean recordStoreLayer(
      String target, String parent, String diffId, Map<String, String> labels) throws IOException {
    String name = storeSnapshotName(target, parent);
    if (byName.containsKey(name)) {
      return true;
    }
    Map<String, String> withTarget = new HashMap<>(labels);
    withTarget.put(Labels.TARGET, target);
    Snapshot s =
        new Snapshot(
            name,
            parent,
            Snapshot.Kind.COMMITTED,
            withTarget,
            clock.instant(),
            clock.instant(),
            null,
            diffId,
            target);
    byName.put(name, s);
    pinStoreLayers(); // pinned before its record is on disk: a crash leaves a pin, never a hole
    if (!store.has(diffId)) { // evicted between the lookup and the pin: containerd unpacks it
      byName.remove(name);
      pinStoreLayers();
      return false;
    }
    records.save(s);
    return true;
  }

  /**
   * One name per (target, parent): containerd finds the snapshot by its target label and parent,
   * and the same layer may sit on differently named parents (namespaces, cold parents).
   */
  static String storeSnapshotName(String target, String parent) {
    return parent.isEmpty()
        ? "layercache/" + target
        : "layercache/" + target + "/" + ChainId.sha256(parent).substring(7, 23);
  }

  private void pinStoreLayers() throws IOException {
    Set<String> diffIds = new TreeSet<>();
    byName.values().stream().filter(Snapshot::inStore).map(Snapshot::diffId).forEach(diffIds::add);
    store.pin(new Pin(PIN_OWNER, List.of(), List.copyOf(diffIds), clock.instant()));
  }

  private Snapshot get(String key) throws SnapshotException {
    Snapshot s = byName.get(key);
    if (s == null) {
      throw SnapshotException.notFound("snapshot " + key);
    }
    return s;
  }

  /** The tree overlayfs stacks for a snapshot: its own fs/, or the store's layer directory. */
  private Path tree(Snapshot s) {
    return s.inStore() ? store.layout().layerDiff(s.diffId()) : root.resolve(s.id()).resolve("fs");
  }

  /** containerd's overlay rules: bind for no parent (and a view of one), else overlay. */
  private List<SnapshotMount> mountsOf(Snapshot s) throws IOException {
    List<Snapshot> parents = new ArrayList<>();
    for (String parent = s.parent(); !parent.isEmpty(); ) {
      Snapshot p = byName.get(parent);
      if (p == null) {
        break;
      }
      parents.add(p);
      parent = p.parent();
    }
    boolean active = s.kind() == Snapshot.Kind.ACTIVE;
    if (parents.isEmpty()) {
      return List.of(
          new SnapshotMount("bind", tree(s).toString(), List.of(active ? "rw" : "ro", "rbind")));
    }
    if (!active && parents.size() == 1) {
      return List.of(
          new SnapshotMount("bind", tree(parents.get(0)).toString(), List.of("ro", "rbind")));
    }
    List<String> options = new ArrayList<>();
    if (indexOff) {
      options.add("index=off");
    }
    if (active) {
      options.add("workdir=" + root.resolve(s.id()).resolve("work"));
      options.add("upperdir=" + tree(s));
    }
    // Short links keep 120 layers under a page once containerd makes them relative to l/.
    List<String> lowers = new ArrayList<>();
    for (Snapshot p : parents) {
      lowers.add(OverlayMounter.shortLink(store.layout().links(), tree(p)).toString());
    }
    options.add("lowerdir=" + String.join(":", lowers));
    return List.of(new SnapshotMount("overlay", "overlay", options));
  }
}
