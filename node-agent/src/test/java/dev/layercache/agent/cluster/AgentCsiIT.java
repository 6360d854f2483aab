package dev.layercache.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layercache.agent.Main;
import dev.layercache.agent.cli.CliRun;
import dev.layercache.agent.csi.CsiChannel;
import dev.layercache.agent.csi.wire.GetPluginInfoRequest;
import dev.layercache.agent.csi.wire.IdentityGrpc;
import dev.layercache.agent.csi.wire.NodeGetInfoRequest;
import dev.layercache.agent.csi.wire.NodeGrpc;
import dev.layercache.agent.csi.wire.NodePublishVolumeRequest;
import dev.layercache.agent.csi.wire.NodeUnpublishVolumeRequest;
import dev.layercache.agent.csi.wire.VolumeCapability;
import dev.layercache.agent.kernel.MountInfo;
import dev.layercache.agent.kernel.MountPoint;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.RenderedDeploy;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.api.v1alpha1.WorkspaceState;
import dev.layercache.api.v1alpha1.WorkspaceStatus;
import dev.layercache.kube.testing.ChildJvm;
import dev.layercache.oci.Compression;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code layercache agent --csi-address} in its own JVM: a pod's volume names an OverlayWorkspace
 * of its namespace, the agent finds it through its NodeCache spec, binds it, and reports the pod in
 * the workspace's status until the volume is unpublished. The CLI on the agent's root writes
 * through the agent's daemon.
 */
class AgentCsiIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  /** Its own node: the cluster ITs share the JVM's control plane. */
  static final String NODE = "worker-csi";

  static final KubeControlPlane PLANE = new KubeControlPlane();
  static final String UID = "6f1c2b9e-0d4a-4e8b-9a51-2c7d3e4f5a60";
  static final String POD = "1a2b3c4d-0000-4000-8000-000000000001";

  @TempDir Path root;
  @TempDir Path logs;
  @TempDir Path kubelet;

  @Test
  void aPodsVolumeBindsTheNodeCachesWorkspaceAndTheStatusNamesThePod() throws Exception {
    RootRequired.assumeOverlayfs();
    TestImage image =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(new TarBuilder().file("data/hello", "hello\n"), Compression.GZIP)
            .build();
    ImageReference ref = registry.reference("team/ws:1");
    image.push(registry.client(), ref);
    NodeCache nodeCache = AgentShutdownIT.nodeCache(image, ref);
    nodeCache.getMetadata().setName(NODE);
    WorkspaceRef workspace = new WorkspaceRef();
    workspace.setUid(UID);
    workspace.setNamespace("team-a");
    workspace.setName("build");
    workspace.setImage(ref.toString());
    workspace.setLowers(List.of(image.diffIds().get(0).toString()));
    nodeCache.getSpec().setWorkspaces(List.of(workspace));
    Path socket = logs.resolve("csi/csi.sock");
    Path target = kubelet.resolve("pods/" + POD + "/volumes/kubernetes.io~csi/data/mount");
    Files.createDirectories(target.getParent());

    // As deploy/'s agent ServiceAccount, with a token bound to a pod on its node.
    RenderedDeploy.install(PLANE);
    Path kubeconfig =
        PLANE.kubeconfigWithToken(
            PLANE.podBoundToken("layercache-system", "layercache-agent", NODE));
    try {
      PLANE.admin().resource(nodeCache).create();
      try (ChildJvm agent =
          ChildJvm.startWithKubeconfig(
              Main.class.getName(),
              kubeconfig,
              Map.of(),
              List.of(
                  "--root",
                  root.toString(),
                  "agent",
                  "--node-name",
                  NODE,
                  "--metrics-port",
                  "0",
                  "--status-interval",
                  "100ms",
                  "--resync-interval",
                  "500ms",
                  "--csi-address",
                  socket.toString()),
              logs.resolve("agent.log"))) {
        await()
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(
                () ->
                    status().orElseThrow().getState() == WorkspaceState.Mounted
                        && Files.exists(socket));
        // The agent holds the store's writer lock: a pull in this process would be refused as
        // busy (exit 3), so exit 0 means the agent's daemon ran it.
        CliRun pull = CliRun.in(root, "pull", ref.toString());
        assertThat(pull.exit()).as(pull.err()).isZero();
        assertThat(CliRun.in(root, "ls").out()).contains(UID);
        try (CsiChannel csi = new CsiChannel(socket)) {
          NodeGrpc.NodeBlockingStub node = NodeGrpc.newBlockingStub(csi.channel());
          assertThat(
                  IdentityGrpc.newBlockingStub(csi.channel())
                      .getPluginInfo(GetPluginInfoRequest.getDefaultInstance())
                      .getName())
              .isEqualTo("workspace.layercache.dev");
          assertThat(node.nodeGetInfo(NodeGetInfoRequest.getDefaultInstance()).getNodeId())
              .isEqualTo(NODE);

          node.nodePublishVolume(publish(target, "team-a"));
          assertThat(target.resolve("data/hello")).hasContent("hello\n");
          await()
              .atMost(Duration.ofSeconds(30))
              .untilAsserted(
                  () -> assertThat(status().orElseThrow().getPods()).containsExactly(POD));
          Path other = kubelet.resolve("pods/other/volumes/kubernetes.io~csi/data/mount");
          Files.createDirectories(other.getParent());
          assertThatThrownBy(() -> node.nodePublishVolume(publish(other, "team-b")))
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));

          node.nodeUnpublishVolume(
              NodeUnpublishVolumeRequest.newBuilder()
                  .setVolumeId("csi-named")
                  .setTargetPath(target.toString())
                  .build());
          assertThat(target).doesNotExist();
          await()
              .atMost(Duration.ofSeconds(30))
              .untilAsserted(() -> assertThat(status().orElseThrow().getPods()).isNull());
        }
        agent.sigterm();
        assertThat(agent.awaitExit(Duration.ofSeconds(30))).as(agent.output()).isZero();
      }
    } finally {
      PLANE.admin().resources(NodeCache.class).withName(NODE).delete();
      for (MountPoint mount : MountInfo.read()) {
        if (mount.target().startsWith(kubelet) || mount.target().startsWith(root)) {
          Syscalls.umount(mount.target(), Syscalls.MNT_DETACH);
        }
      }
    }
  }

  static NodePublishVolumeRequest publish(Path target, String namespace) {
    return NodePublishVolumeRequest.newBuilder()
        .setVolumeId("csi-named")
        .setTargetPath(target.toString())
        .setVolumeCapability(
            VolumeCapability.newBuilder()
                .setMount(VolumeCapability.MountVolume.getDefaultInstance())
                .setAccessMode(
                    VolumeCapability.AccessMode.newBuilder()
                        .setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)))
        .putVolumeContext("workspace", "build")
        .putVolumeContext("csi.storage.k8s.io/pod.namespace", namespace)
        .putVolumeContext("csi.storage.k8s.io/ephemeral", "true")
        .build();
  }

  static Optional<WorkspaceStatus> status() {
    NodeCache nodeCache = PLANE.admin().resources(NodeCache.class).withName(NODE).get();
    if (nodeCache.getStatus() == null || nodeCache.getStatus().getWorkspaces() == null) {
      return Optional.empty();
    }
    return nodeCache.getStatus().getWorkspaces().stream()
        .filter(w -> UID.equals(w.getUid()))
        .findFirst();
  }
}
