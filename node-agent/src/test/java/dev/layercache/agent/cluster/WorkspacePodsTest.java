package dev.layercache.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pods a NodeCache status names for a workspace, read from where it is bound. */
class WorkspacePodsTest {
  @Test
  void aKubeletTargetNamesItsPodOnceAndAnyOtherTargetIsNamedAsItIs() {
    String uid = "0b6d5f6e-1f0c-4c53-9e55-3f1f8e9d2a71";
    assertThat(
            WorkspaceConvergence.pods(
                List.of(
                    Path.of("/var/lib/kubelet/pods/" + uid + "/volumes/kubernetes.io~csi/a/mount"),
                    Path.of("/var/lib/kubelet/pods/" + uid + "/volumes/kubernetes.io~csi/b/mount"),
                    Path.of("/mnt/elsewhere"))))
        .containsExactly(uid, "/mnt/elsewhere");
    assertThat(WorkspaceConvergence.pods(List.of())).isNull();
  }
}
