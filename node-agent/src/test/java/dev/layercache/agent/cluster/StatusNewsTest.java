package dev.layercache.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.agent.snapshot.StoreLayerSnapshots;
import dev.layercache.agent.workspace.SpaceReport;
import dev.layercache.api.v1alpha1.DiskStatus;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.LayerStatus;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import dev.layercache.api.v1alpha1.WorkspaceState;
import dev.layercache.api.v1alpha1.WorkspaceStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * When the agent writes its NodeCache status: only when a user would see a change. Each case builds
 * the status the agent would write now and compares it with the one it wrote a minute ago.
 */
class StatusNewsTest {
  static final long GI = 1L << 30;
  static final Instant WRITTEN_AT = Instant.parse("2026-12-02T10:00:00Z");
  static final Instant NOW = WRITTEN_AT.plusSeconds(60);

  final NodeCache nodeCache = nodeCache();

  /** A converged node: one layer Ready, one workspace Mounted, 40Gi of 100Gi used. */
  static Node converged() {
    return new Node(LayerState.Ready, 40 * GI, 17, Optional.empty());
  }

  record Node(LayerState layer, long usedBytes, long upperBytes, Optional<String> diskPressure) {
    Node withLayer(LayerState state) {
      return new Node(state, usedBytes, upperBytes, diskPressure);
    }

    Node withUsedBytes(long bytes) {
      return new Node(layer, bytes, upperBytes, diskPressure);
    }

    Node withUpperBytes(long bytes) {
      return new Node(layer, usedBytes, bytes, diskPressure);
    }

    Node withDiskPressure(String message) {
      return new Node(layer, usedBytes, upperBytes, Optional.of(message));
    }
  }

  NodeCacheStatus written(Node node) {
    return NodeCacheStatusBuilder.build(nodeCache, null, observe(node), "1.0", WRITTEN_AT);
  }

  NodeCacheStatus now(NodeCacheStatus written, Node node) {
    return NodeCacheStatusBuilder.build(nodeCache, written, observe(node), "1.0", NOW);
  }

  @Test
  void theSameObservationLaterIsNoNews() {
    NodeCacheStatus written = written(converged());
    NodeCacheStatus now = now(written, converged());

    assertThat(now.getLastSyncTime()).isNotEqualTo(written.getLastSyncTime());
    assertThat(StatusNews.isNews(written, now)).isFalse();
  }

  @Test
  void usedBytesThatKubectlShowsTheSameAreNoNews() {
    NodeCacheStatus written = written(converged());

    // 40Gi plus 300Mi of logs written elsewhere on the filesystem: the DISK column still says 40Gi.
    NodeCacheStatus now = now(written, converged().withUsedBytes(40 * GI + (300L << 20)));

    assertThat(now.getDiskUsage()).isEqualTo(written.getDiskUsage()).isEqualTo("40Gi/100Gi");
    assertThat(StatusNews.isNews(written, now)).isFalse();
  }

  @Test
  void usedBytesThatKubectlShowsDifferentlyAreNews() {
    NodeCacheStatus written = written(converged());

    NodeCacheStatus now = now(written, converged().withUsedBytes(41 * GI));

    assertThat(now.getDiskUsage()).isEqualTo("41Gi/100Gi");
    assertThat(StatusNews.isNews(written, now)).isTrue();
  }

  @Test
  void aFewBytesInAnUpperLayerAreNewsWhileItIsSmallButNotOnceItIsLarge() {
    assertThat(
            StatusNews.isNews(
                written(converged().withUpperBytes(0)),
                now(written(converged().withUpperBytes(0)), converged().withUpperBytes(17))))
        .as("0 -> 17 bytes")
        .isTrue();
    NodeCacheStatus large = written(converged().withUpperBytes(512L << 20));
    assertThat(
            StatusNews.isNews(large, now(large, converged().withUpperBytes((512L << 20) + 4096))))
        .as("512Mi -> 512Mi and 4Ki")
        .isFalse();
  }

  @Test
  void aLayerStateChangeIsNews() {
    NodeCacheStatus written = written(converged().withLayer(LayerState.Pulling));

    NodeCacheStatus now = now(written, converged());

    assertThat(StatusNews.isNews(written, now)).isTrue();
    assertThat(now.getReadyLayers()).isEqualTo("1/1");
  }

  @Test
  void aConditionChangeIsNews() {
    NodeCacheStatus written = written(converged());

    NodeCacheStatus now = now(written, converged().withDiskPressure("over the high watermark"));

    assertThat(StatusNews.isNews(written, now)).isTrue();
  }

  @Test
  void aNewSpecGenerationOrAgentVersionIsNews() {
    NodeCacheStatus written = written(converged());
    nodeCache.getMetadata().setGeneration(2L);
    assertThat(StatusNews.isNews(written, now(written, converged())))
        .as("observedGeneration")
        .isTrue();

    NodeCacheStatus upgraded =
        NodeCacheStatusBuilder.build(nodeCache, written, observe(converged()), "1.1", NOW);
    assertThat(StatusNews.isNews(now(written, converged()), upgraded)).as("agentVersion").isTrue();
  }

  @Test
  void theStatusAsReadBackFromTheApiServerIsNoNews() {
    NodeCacheStatus written = written(converged());
    NodeCacheStatus readBack = now(written, converged());
    readBack.setWorkspaces(null); // as written: empty
    written.setWorkspaces(List.of());

    assertThat(StatusNews.isNews(written, readBack)).isFalse();
  }

  @Test
  void aFirstStatusIsNews() {
    assertThat(StatusNews.isNews(null, written(converged()))).isTrue();
  }

  static NodeCache nodeCache() {
    NodeCacheSpec spec = new NodeCacheSpec();
    LayerRef layer = new LayerRef();
    layer.setDiffID("sha256:" + "a".repeat(64));
    spec.setLayers(List.of(layer));
    NodeCache nodeCache = new NodeCache();
    nodeCache.setMetadata(new ObjectMetaBuilder().withName("node-a").withGeneration(1L).build());
    nodeCache.setSpec(spec);
    return nodeCache;
  }

  static NodeCacheStatusBuilder.Observation observe(Node node) {
    LayerStatus layer = new LayerStatus();
    layer.setDiffID("sha256:" + "a".repeat(64));
    layer.setState(node.layer());
    layer.setBytesDone(node.layer() == LayerState.Ready ? 4096L : 1024L);
    layer.setBytesTotal(4096L);
    WorkspaceStatus workspace = new WorkspaceStatus();
    workspace.setUid("0b5a2c1e-6f7d-4d7a-9c55-1d2e3f4a5b6c");
    workspace.setState(WorkspaceState.Mounted);
    workspace.setLowerBytes(8192L);
    workspace.setUpperBytes(node.upperBytes());
    DiskStatus disk = new DiskStatus();
    disk.setCapacityBytes(100 * GI);
    disk.setUsedBytes(node.usedBytes());
    disk.setLayerBytes(8192L);
    disk.setUpperBytes(node.upperBytes());
    SpaceReport space =
        new SpaceReport(
            2 * 8192L + node.upperBytes(),
            8192L + node.upperBytes(),
            8192L,
            1,
            node.upperBytes(),
            List.of(),
            List.of(),
            Map.of());
    return new NodeCacheStatusBuilder.Observation(
        List.of(layer),
        List.of(workspace),
        disk,
        space,
        node.diskPressure(),
        Optional.empty(),
        StoreLayerSnapshots.NONE);
  }
}
