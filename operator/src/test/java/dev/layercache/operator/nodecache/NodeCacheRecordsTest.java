package dev.layercache.operator.nodecache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.api.v1alpha1.WorkspaceState;
import dev.layercache.api.v1alpha1.WorkspaceStatus;
import dev.layercache.kube.Layers;
import dev.layercache.operator.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the nodecache package reads back from NodeCaches and workspaces. */
class NodeCacheRecordsTest {

  @Test
  void aHeartbeatIsNoNewsButAnyOtherReportIs() {
    LayerRef layer = Fixtures.layerRef(Fixtures.digest('1'), 5);
    NodeCache before = Fixtures.nodeCache("a", List.of(layer), LayerState.Pulling, false);
    before.getStatus().setLastSyncTime("2026-01-01T00:00:00Z");

    NodeCache heartbeat = Fixtures.nodeCache("a", List.of(layer), LayerState.Pulling, false);
    heartbeat.getStatus().setLastSyncTime("2026-01-01T00:00:30Z");
    assertThat(NodeCacheUpdates.meaningful(heartbeat, before)).isFalse();

    NodeCache progressed = Fixtures.nodeCache("a", List.of(layer), LayerState.Ready, false);
    progressed.getStatus().setLastSyncTime("2026-01-01T00:00:30Z");
    assertThat(NodeCacheUpdates.meaningful(progressed, before)).isTrue();

    NodeCache newSpec = Fixtures.nodeCache("a", List.of(layer), LayerState.Pulling, false);
    newSpec.getStatus().setLastSyncTime("2026-01-01T00:00:00Z");
    newSpec.getMetadata().setGeneration(2L);
    assertThat(NodeCacheUpdates.meaningful(newSpec, before)).isTrue();
  }

  @Test
  void toALayerCacheOnlyTheNodesLayersAndDiskPressureAreNews() {
    LayerRef layer = Fixtures.layerRef(Fixtures.digest('1'), 5);
    NodeCache before = Fixtures.nodeCache("a", List.of(layer), LayerState.Ready, true);

    NodeCache workspaceMounted = Fixtures.nodeCache("a", List.of(layer), LayerState.Ready, true);
    workspaceMounted.getSpec().setWorkspaces(List.of(Fixtures.workspace("w", List.of())));
    workspaceMounted.getMetadata().setGeneration(2L);
    WorkspaceStatus mounted = new WorkspaceStatus();
    mounted.setUid("w");
    mounted.setState(WorkspaceState.Mounted);
    workspaceMounted.getStatus().setWorkspaces(List.of(mounted));
    assertThat(NodeCacheUpdates.meaningful(workspaceMounted, before)).isTrue();
    assertThat(NodeCacheUpdates.layersChanged(workspaceMounted, before)).isFalse();

    NodeCache failed = Fixtures.nodeCache("a", List.of(layer), LayerState.Failed, false);
    assertThat(NodeCacheUpdates.layersChanged(failed, before)).isTrue();
    NodeCache another =
        Fixtures.nodeCache(
            "a",
            List.of(layer, Fixtures.layerRef(Fixtures.digest('2'), 7)),
            LayerState.Ready,
            true);
    assertThat(NodeCacheUpdates.layersChanged(another, before)).isTrue();
  }

  @Test
  void aPlacementKeptOnlyInTheSpecIsRecoveredWithItsLayersBaseFirst() {
    LayerRef base = Fixtures.layerRef(Fixtures.digest('1'), 5);
    LayerRef top = Fixtures.layerRef(Fixtures.digest('2'), 7);
    NodeCache nodeCache = Fixtures.nodeCache("c", List.of(top, base), LayerState.Ready, true);
    WorkspaceRef entry = Fixtures.workspace("w", List.of(base.getDiffID(), top.getDiffID()));
    entry.setImage("registry.example/team/ws:1@" + Fixtures.digest('9'));
    nodeCache.getSpec().setWorkspaces(List.of(entry));

    assertThat(WorkspacePlacement.fromSpec(nodeCache, "w"))
        .hasValueSatisfying(
            p -> {
              assertThat(p.node()).isEqualTo("c");
              assertThat(p.imageDigest()).isEqualTo(Fixtures.digest('9'));
              assertThat(p.layers()).containsExactly(Layers.toApi(base), Layers.toApi(top));
            });
    assertThat(WorkspacePlacement.fromSpec(nodeCache, "other")).isEmpty();
  }

  @Test
  void aRecordedPlacementGivesTheEntryItsNodeIsTold() {
    LayerRef lower = Fixtures.layerRef(Fixtures.digest('1'), 5);
    var workspace = Fixtures.overlayWorkspace("w", "b", Layers.toApi(lower));

    assertThat(WorkspacePlacement.recorded(workspace).map(WorkspacePlacement::node)).contains("b");
    assertThat(WorkspaceEntry.of(Fixtures.overlayWorkspace("unplaced", "b"))).isEmpty();
    assertThat(WorkspaceEntry.of(workspace))
        .hasValueSatisfying(
            e -> {
              assertThat(e.ref().getLowers()).containsExactly(lower.getDiffID());
              assertThat(e.layers())
                  .singleElement()
                  .satisfies(l -> assertThat(l.getPinned()).isFalse());
            });
  }
}
