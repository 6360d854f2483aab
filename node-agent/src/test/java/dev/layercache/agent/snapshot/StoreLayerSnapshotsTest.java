package dev.layercache.agent.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.cli.CliRun;
import dev.layercache.agent.store.LayerRecord;
import dev.layercache.agent.store.LayerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What containerd does not store twice, counted from the records a real {@link Snapshotter} writes
 * as containerd drives it: warm layers of two images in two namespaces, a layer containerd unpacked
 * itself, a container's writable layer.
 */
class StoreLayerSnapshotsTest {
  static final String L0 = "sha256:" + "a".repeat(64);
  static final String L1 = "sha256:" + "b".repeat(64);

  @TempDir Path root;
  LayerStore store;
  Snapshotter snapshotter;

  @BeforeEach
  void containerdPulledWarmImagesInTwoNamespaces() throws Exception {
    store = LayerStore.open(root);
    storeLayer(L0, 1000, 400);
    storeLayer(L1, 2000, 700);
    snapshotter = new Snapshotter(store, ColdLayers.NONE, true, Clock.systemUTC());

    // An image L0, L1 in k8s.io: two snapshots.
    warm("k8s.io/1/extract-0", "", L0);
    String bottom = committedWithTarget(L0);
    warm("k8s.io/2/extract-1", bottom, ChainId.of(L0, L1));
    String top = committedWithTarget(ChainId.of(L0, L1));
    // The same image in another namespace: the daemon keeps one record per layer and parent, so
    // it is not counted again.
    warm("default/3/extract-0", "", L0);
    warm("default/4/extract-1", bottom, ChainId.of(L0, L1));
    // An image whose bottom layer is L1: another snapshot of L1 (another chain).
    warm("default/5/extract-0", "", L1);

    // containerd unpacks a layer itself (no label): its tree is the snapshotter's, not the store's.
    var cold = snapshotter.prepare("default/6/extract-cold", "", Map.of());
    Files.writeString(Path.of(cold.get(0).source()).resolve("cold"), "x".repeat(5000));
    snapshotter.commit("default/7/cold", "default/6/extract-cold", Map.of());
    // A container on the warm image writes into its own upper.
    var rootfs = snapshotter.prepare("k8s.io/8/ctr", top, Map.of());
    String upper = rootfs.get(0).options().get(2).substring("upperdir=".length());
    Files.writeString(Path.of(upper).resolve("written"), "y".repeat(7000));
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  void storeLayer(String diffId, long unpacked, long compressed) throws IOException {
    Path staged = store.newStagingDir();
    Files.createDirectories(staged.resolve("diff"));
    Files.writeString(staged.resolve("diff").resolve("f"), "f");
    store.commit(
        staged, new LayerRecord(diffId, unpacked, 1, diffId, "gzip", compressed, Instant.now()));
  }

  void warm(String key, String parent, String chainId) {
    assertThatThrownBy(() -> snapshotter.prepare(key, parent, Map.of(Labels.TARGET, chainId)))
        .isInstanceOf(SnapshotException.class)
        .hasFieldOrPropertyWithValue("reason", SnapshotException.Reason.ALREADY_EXISTS);
  }

  String committedWithTarget(String chainId) {
    return snapshotter.list().stream()
        .filter(s -> chainId.equals(s.labels().get(Labels.TARGET)))
        .findFirst()
        .orElseThrow()
        .name();
  }

  @Test
  void eachStoreLayerSnapshotCountsItsUnpackedLayerAndEachLayerItsBlobOnce() throws Exception {
    StoreLayerSnapshots counted = StoreLayerSnapshots.read(store);

    assertThat(counted.snapshots()).isEqualTo(3);
    assertThat(counted.layers())
        .containsExactly(
            new StoreLayerSnapshots.LayerUse(L0, 1, 1000, 400),
            new StoreLayerSnapshots.LayerUse(L1, 2, 4000, 700));
    // Not the cold layer containerd unpacked (5000), not the container's upper (7000).
    assertThat(counted.unpackedBytes()).isEqualTo(5000);
    assertThat(counted.blobBytes()).isEqualTo(1100);
    assertThat(counted.notStoredTwiceBytes()).isEqualTo(6100);
  }

  @Test
  void theAgentsReaderSeesARemovedSnapshot() throws Exception {
    StoreLayerSnapshots.Reader reader = new StoreLayerSnapshots.Reader(store);
    assertThat(reader.current().snapshots()).isEqualTo(3);

    snapshotter.remove(committedWithTarget(L1)); // containerd's GC, once no image uses it

    assertThat(reader.current().snapshots()).isEqualTo(2);
    assertThat(reader.current().notStoredTwiceBytes()).isEqualTo(1000 + 2000 + 400 + 700);
  }

  @Test
  void dfShowsThemInItsTableAndItsJson() throws Exception {
    CliRun df = CliRun.in(root, "df");
    assertThat(df.exit()).as(df.err()).isZero();
    assertThat(df.out())
        .contains(
            "containerd: 3 snapshots on 2 store layers, 6.10kB not stored twice (5.00kB"
                + " unpacked, 1.10kB blobs)");

    CliRun verbose = CliRun.in(root, "df", "-v");
    assertThat(verbose.out()).contains("containerd snapshots on store layers:");
    assertThat(verbose.out().lines().filter(l -> l.startsWith(L1)))
        .singleElement()
        .asString()
        .containsPattern(L1 + "\\s+2\\s+4.00kB\\s+700B");

    CliRun json = CliRun.in(root, "--output", "json", "df");
    JsonNode containerd = new ObjectMapper().readTree(json.out()).path("containerd");
    assertThat(containerd.path("snapshots").asInt()).isEqualTo(3);
    assertThat(containerd.path("layers").asInt()).isEqualTo(2);
    assertThat(containerd.path("unpackedBytes").asLong()).isEqualTo(5000);
    assertThat(containerd.path("blobBytes").asLong()).isEqualTo(1100);
    assertThat(containerd.path("notStoredTwiceBytes").asLong()).isEqualTo(6100);
  }
}
