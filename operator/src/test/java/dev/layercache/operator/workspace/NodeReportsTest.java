package dev.layercache.operator.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.WorkspaceState;
import dev.layercache.api.v1alpha1.WorkspaceStatus;
import dev.layercache.operator.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

public class NodeReportsTest {
  private final List<LayerRef> layers = List.of(Fixtures.layerRef(Fixtures.digest('a'), 100));
  private final NodeReports reports = new NodeReports();

  @Test
  void aNodeSeenForTheFirstTimeConcernsEveryWorkspaceOnIt() {
    assertThat(reports.update(report("1", LayerState.Ready, "ws-a", WorkspaceState.Mounted)))
        .isInstanceOf(NodeReports.Everything.class);
  }

  @Test
  void aReportOfOneWorkspaceConcernsOnlyThatWorkspace() {
    reports.update(report("1", LayerState.Ready, "ws-a", WorkspaceState.Mounted));

    NodeReports.Change change =
        reports.update(
            report(
                "2",
                LayerState.Ready,
                "ws-a",
                WorkspaceState.Mounted,
                "ws-b",
                WorkspaceState.Mounted));

    assertThat(change).isEqualTo(new NodeReports.Workspaces(Set.of("ws-b")));
    assertThat(
            reports.update(
                report(
                    "3",
                    LayerState.Ready,
                    "ws-a",
                    WorkspaceState.Failed,
                    "ws-b",
                    WorkspaceState.Mounted)))
        .isEqualTo(new NodeReports.Workspaces(Set.of("ws-a")));
    assertThat(reports.update(report("4", LayerState.Ready, "ws-b", WorkspaceState.Mounted)))
        .as("a report gone")
        .isEqualTo(new NodeReports.Workspaces(Set.of("ws-a")));
  }

  @Test
  void aChangeOfTheNodesLayersConcernsEveryWorkspaceOnIt() {
    reports.update(report("1", LayerState.Pulling, "ws-a", WorkspaceState.Mounted));

    assertThat(reports.update(report("2", LayerState.Ready, "ws-a", WorkspaceState.Mounted)))
        .isInstanceOf(NodeReports.Everything.class);
  }

  @Test
  void aNewVersionThatChangesNoReportConcernsNoWorkspace() {
    reports.update(report("1", LayerState.Ready, "ws-a", WorkspaceState.Mounted));

    assertThat(reports.update(report("2", LayerState.Ready, "ws-a", WorkspaceState.Mounted)))
        .isEqualTo(new NodeReports.Workspaces(Set.of()));
  }

  @Test
  void theSameVersionAskedTwiceGetsTheSameAnswer() {
    reports.update(report("1", LayerState.Ready, "ws-a", WorkspaceState.Mounted));
    NodeCache next =
        report(
            "2", LayerState.Ready, "ws-a", WorkspaceState.Mounted, "ws-b", WorkspaceState.Mounted);

    assertThat(reports.update(next)).isEqualTo(new NodeReports.Workspaces(Set.of("ws-b")));
    assertThat(reports.update(next)).isEqualTo(new NodeReports.Workspaces(Set.of("ws-b")));
  }

  @Test
  void aNodeCacheGoneConcernsEveryWorkspaceOnItAndWhatComesNextToo() {
    reports.update(report("1", LayerState.Ready, "ws-a", WorkspaceState.Mounted));

    assertThat(reports.forget("node-a")).isInstanceOf(NodeReports.Everything.class);
    assertThat(reports.update(report("5", LayerState.Ready, "ws-a", WorkspaceState.Mounted)))
        .isInstanceOf(NodeReports.Everything.class);
  }

  /** node-a's NodeCache at {@code version}: its layer in {@code state}, then uid/state pairs. */
  private NodeCache report(String version, LayerState state, Object... workspaces) {
    NodeCache nodeCache = Fixtures.nodeCache("node-a", layers, state, true);
    nodeCache.getMetadata().setResourceVersion(version);
    List<WorkspaceStatus> statuses = new ArrayList<>();
    for (int i = 0; i < workspaces.length; i += 2) {
      WorkspaceStatus status = new WorkspaceStatus();
      status.setUid((String) workspaces[i]);
      status.setState((WorkspaceState) workspaces[i + 1]);
      statuses.add(status);
    }
    nodeCache.getStatus().setWorkspaces(statuses);
    return nodeCache;
  }
}
