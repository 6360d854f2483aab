package dev.layercache.agent.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.agent.store.LayerRecord;
import dev.layercache.agent.store.LayerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotterTest {
  static final String L0 = "sha256:" + "a".repeat(64);
  static final String L1 = "sha256:" + "b".repeat(64);

  @TempDir Path root;
  LayerStore store;
  Snapshotter snapshotter;

  @BeforeEach
  void open() throws IOException {
    store = LayerStore.open(root);
    snapshotter = new Snapshotter(store, ColdLayers.NONE, true, Clock.systemUTC());
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  void storeLayer(String diffId, String file) throws IOException {
    Path staged = store.newStagingDir();
    Files.createDirectories(staged.resolve("diff"));
    Files.writeString(staged.resolve("diff").resolve(file), file);
    store.commit(staged, new LayerRecord(diffId, file.length(), 1, diffId, "x", 1, Instant.now()));
  }

  SnapshotException.Reason failure(ThrowingCall call) {
    try {
      call.run();
    } catch (SnapshotException e) {
      return e.reason();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no failure");
  }

  interface ThrowingCall {
    void run() throws Exception;
  }

  @Test
  void plainSnapshotsFollowContainerdsOverlayRules() throws Exception {
    List<SnapshotMount> first = snapshotter.prepare("ns/1/extract", "", Map.of());
    assertThat(first)
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.type()).isEqualTo("bind");
              assertThat(m.options()).containsExactly("rw", "rbind");
            });
    Files.writeString(Path.of(first.get(0).source()).resolve("a"), "a");
    snapshotter.commit("ns/2/c0", "ns/1/extract", Map.of(Labels.TARGET, "sha256:c0"));
    assertThat(snapshotter.stat("ns/2/c0").kind()).isEqualTo(Snapshot.Kind.COMMITTED);
    assertThat(failure(() -> snapshotter.stat("ns/1/extract")))
        .isEqualTo(SnapshotException.Reason.NOT_FOUND);

    List<SnapshotMount> view = snapshotter.view("ns/3/view", "ns/2/c0", Map.of());
    assertThat(view)
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.type()).isEqualTo("bind");
              assertThat(m.options()).containsExactly("ro", "rbind");
              assertThat(Path.of(m.source()).resolve("a")).hasContent("a");
            });

    snapshotter.prepare("ns/4/active", "ns/2/c0", Map.of());
    snapshotter.commit("ns/5/c1", "ns/4/active", Map.of());
    List<SnapshotMount> container = snapshotter.prepare("ns/6/ctr", "ns/5/c1", Map.of());
    SnapshotMount overlay = container.get(0);
    assertThat(overlay.type()).isEqualTo("overlay");
    assertThat(overlay.options().get(0)).isEqualTo("index=off");
    assertThat(overlay.options().get(1)).startsWith("workdir=");
    assertThat(overlay.options().get(2)).startsWith("upperdir=");
    String lowerdir = overlay.options().get(3);
    assertThat(lowerdir).startsWith("lowerdir=");
    List<Path> lowers =
        List.of(lowerdir.substring("lowerdir=".length()).split(":")).stream()
            .map(Path::of)
            .toList();
    assertThat(lowers).hasSize(2);
    // nearest first: c1 above c0
    assertThat(lowers.get(1).toRealPath().resolve("a")).hasContent("a");
    assertThat(snapshotter.mounts("ns/6/ctr")).isEqualTo(container);

    assertThat(failure(() -> snapshotter.remove("ns/2/c0")))
        .isEqualTo(SnapshotException.Reason.FAILED_PRECONDITION);
    assertThat(failure(() -> snapshotter.prepare("ns/6/ctr", "ns/5/c1", Map.of())))
        .isEqualTo(SnapshotException.Reason.ALREADY_EXISTS);
    assertThat(failure(() -> snapshotter.prepare("x", "missing", Map.of())))
        .isEqualTo(SnapshotException.Reason.NOT_FOUND);
    assertThat(failure(() -> snapshotter.prepare("y", "ns/6/ctr", Map.of())))
        .isEqualTo(SnapshotException.Reason.INVALID_ARGUMENT);
    assertThat(failure(() -> snapshotter.commit("z", "ns/3/view", Map.of())))
        .isEqualTo(SnapshotException.Reason.FAILED_PRECONDITION);
  }

  @Test
  void aLayerInTheStoreIsCommittedAtOnceAndContainerdHearsAlreadyExists() throws Exception {
    storeLayer(L0, "zero");
    storeLayer(L1, "one");
    String chain1 = ChainId.of(L0, L1);

    assertThat(failure(() -> snapshotter.prepare("ns/1/extract-0", "", Map.of(Labels.TARGET, L0))))
        .isEqualTo(SnapshotException.Reason.ALREADY_EXISTS);
    Snapshot bottom = only(snapshotter.list(), L0);
    assertThat(bottom.kind()).isEqualTo(Snapshot.Kind.COMMITTED);
    assertThat(bottom.parent()).isEmpty();

    assertThat(
            failure(
                () ->
                    snapshotter.prepare(
                        "ns/2/extract-1", bottom.name(), Map.of(Labels.TARGET, chain1))))
        .isEqualTo(SnapshotException.Reason.ALREADY_EXISTS);
    Snapshot top = only(snapshotter.list(), chain1);
    assertThat(top.parent()).isEqualTo(bottom.name());
    assertThat(store.pin(Snapshotter.PIN_OWNER).orElseThrow().diffIds()).containsExactly(L0, L1);
    assertThat(snapshotter.usage(top.name()).bytes()).isEqualTo(3);

    // A chain ID that does not match the parent's chain is not this layer: containerd unpacks.
    assertThat(snapshotter.prepare("ns/3/extract", bottom.name(), Map.of(Labels.TARGET, L1)))
        .isNotEmpty();
    // A commit named "" is refused: "" means no parent (found by SnapshotsServiceFuzzTest, whose
    // next Prepare without a parent looped through the snapshot "" as its own parent).
    snapshotter.prepare("ns/3/unnamed", "", Map.of());
    assertThat(failure(() -> snapshotter.commit("", "ns/3/unnamed", Map.of())))
        .isEqualTo(SnapshotException.Reason.INVALID_ARGUMENT);
    snapshotter.remove("ns/3/unnamed");
    // A target that is no chain ID at all is no store layer either (found by
    // SnapshotsServiceFuzzTest).
    assertThat(snapshotter.prepare("ns/3/no-chain", "", Map.of(Labels.TARGET, ""))).isNotEmpty();
    snapshotter.remove("ns/3/no-chain");

    SnapshotMount rootfs = snapshotter.prepare("ns/4/ctr", top.name(), Map.of()).get(0);
    String lowerdir = rootfs.options().get(rootfs.options().size() - 1);
    List<Path> lowers =
        List.of(lowerdir.substring("lowerdir=".length()).split(":")).stream()
            .map(Path::of)
            .toList();
    assertThat(lowers.get(0).toRealPath()).isEqualTo(store.layout().layerDiff(L1).toRealPath());
    assertThat(lowers.get(1).toRealPath()).isEqualTo(store.layout().layerDiff(L0).toRealPath());

    snapshotter.remove("ns/4/ctr");
    snapshotter.remove("ns/3/extract");
    snapshotter.remove(top.name());
    assertThat(store.has(L1)).isTrue();
    assertThat(store.pin(Snapshotter.PIN_OWNER).orElseThrow().diffIds()).containsExactly(L0);
  }

  @Test
  void aStoreLayerUnderASnapshotIsNotEvictedEvenByAGcThatPlannedBeforeThePin() throws Exception {
    storeLayer(L0, "zero");
    storeLayer(L1, "one");
    assertThat(failure(() -> snapshotter.prepare("k", "", Map.of(Labels.TARGET, L0))))
        .isEqualTo(SnapshotException.Reason.ALREADY_EXISTS);

    // What a GC that chose both layers before the pin was written does next.
    assertThat(store.evict(L0)).isFalse();
    assertThat(store.evict(L1)).isTrue();
    assertThat(store.has(L0)).isTrue();
    assertThat(store.has(L1)).isFalse();
  }

  @Test
  void recordsSurviveARestartAndAHalfDoneCommitKeepsTheCommittedOne() throws Exception {
    snapshotter.prepare("a", "", Map.of("k", "v"));
    Path dir = Path.of(snapshotter.mounts("a").get(0).source()).getParent();
    snapshotter.commit("c", "a", Map.of());
    snapshotter.update("c", Map.of("k", "w", "gone", ""), List.of("labels.k"));
    Path orphan = Files.createDirectories(root.resolve("snapshots").resolve("deadbeef"));
    // what a crash between the two writes of a commit leaves: the active record again
    new SnapshotRecords(root.resolve("snapshots"))
        .save(
            new Snapshot(
                "a",
                "",
                Snapshot.Kind.ACTIVE,
                Map.of(),
                Instant.now(),
                Instant.now(),
                dir.getFileName().toString(),
                null,
                null));

    Snapshotter reopened = new Snapshotter(store, ColdLayers.NONE, true, Clock.systemUTC());
    assertThat(reopened.list()).extracting(Snapshot::name).containsExactly("c");
    assertThat(reopened.stat("c").labels()).containsExactly(Map.entry("k", "w"));
    assertThat(orphan).doesNotExist();
    assertThat(dir).isDirectory();
    assertThatThrownBy(() -> reopened.update("c", Map.of(), List.of("parent")))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("only labels");
  }

  static Snapshot only(List<Snapshot> all, String target) {
    return all.stream()
        .filter(s -> target.equals(s.labels().get(Labels.TARGET)))
        .reduce(
            (a, b) -> {
              throw new AssertionError("two snapshots for " + target);
            })
        .orElseThrow();
  }
}
