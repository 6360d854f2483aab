package dev.layercache.agent.csi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.cli.CliRun;
import dev.layercache.agent.csi.wire.GetPluginCapabilitiesRequest;
import dev.layercache.agent.csi.wire.GetPluginInfoRequest;
import dev.layercache.agent.csi.wire.IdentityGrpc;
import dev.layercache.agent.csi.wire.NodeGetCapabilitiesRequest;
import dev.layercache.agent.csi.wire.NodeGetInfoRequest;
import dev.layercache.agent.csi.wire.NodeGrpc;
import dev.layercache.agent.csi.wire.NodePublishVolumeRequest;
import dev.layercache.agent.csi.wire.NodeUnpublishVolumeRequest;
import dev.layercache.agent.csi.wire.ProbeRequest;
import dev.layercache.agent.csi.wire.VolumeCapability;
import dev.layercache.agent.daemon.DaemonProcess;
import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.MountInfo;
import dev.layercache.agent.kernel.MountPoint;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.agent.snapshot.Containerd;
import dev.layercache.agent.snapshot.StaticTool;
import dev.layercache.oci.Compression;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImages;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The CSI node plugin in a real {@code layercache daemon}, called over its unix socket as the
 * kubelet calls it, publishing into a kubelet-like pods directory on real overlay and bind mounts;
 * a container started by Debian's containerd uses a published volume; csi-sanity's Node and
 * Identity suites; and kill -9 with volumes published.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CsiNodePluginIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  static final String NODE = "it-node";
  static final ObjectMapper JSON = new ObjectMapper();

  static Path dir;
  static Path root;
  static Path kubelet;
  static Path csiSocket;
  static byte[] tool;
  static ImageReference image;
  static DaemonProcess daemon;
  static CsiChannel csi;
  static ManagedChannel channel;
  static NodeGrpc.NodeBlockingStub node;

  @BeforeAll
  static void start() throws Exception {
    Containerd.requireTools();
    RootRequired.require(
        Files.isExecutable(csiSanity()),
        csiSanity() + " is missing (scripts/test-binaries.sh csi-sanity; or set LAYERCACHE_TOOLS)");
    dir = Files.createTempDirectory("layercache-csi-");
    root = dir.resolve("store");
    kubelet = Files.createDirectories(dir.resolve("kubelet"));
    csiSocket = dir.resolve("plugins/workspace.layercache.dev/csi.sock");

    tool = StaticTool.build(Files.createDirectories(dir.resolve("tool")));
    ImageBuilder.oci(TestImages.AMD64)
        .layer(new TarBuilder().directory("bin").file("bin/sh", tool, 0755), Compression.GZIP)
        .layer(
            new TarBuilder().directory("data").file("data/hello", "hello from the image\n"),
            Compression.GZIP)
        .build()
        .push(registry.client(), registry.reference("layercache-test/csi:1"));
    image = registry.reference("layercache-test/csi:1");

    // A named workspace as `layercache apply` makes it, before the daemon (the store's one
    // writer) runs.
    Path ows = dir.resolve("ows.yaml");
    Files.writeString(
        ows,
        """
        apiVersion: layercache.dev/v1alpha1
        kind: OverlayWorkspace
        metadata:
          name: build
          namespace: team-a
        spec:
          image: %s
        """
            .formatted(image));
    cli("apply", "-f", ows.toString());

    startDaemon();
  }

  static void startDaemon() throws Exception {
    daemon =
        new DaemonProcess(root, dir.resolve("run/snapshotter.sock"), dir.resolve("daemon.log"))
            .withDaemonOptions("--csi-address", csiSocket.toString(), "--node-id", NODE)
            .start();
    csi = new CsiChannel(csiSocket);
    channel = csi.channel();
    node = NodeGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  static void stopChannel() throws InterruptedException {
    csi.close();
  }

  @AfterAll
  static void stop() throws Exception {
    if (csi != null) {
      stopChannel();
    }
    if (daemon != null) {
      daemon.close();
    }
    if (dir != null) {
      Path logs = Files.createDirectories(Path.of("target", "csi-it"));
      Path log = dir.resolve("daemon.log");
      if (Files.exists(log)) {
        Files.copy(
            log, logs.resolve("daemon.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      for (MountPoint mount : reversed(mountsUnder(dir))) {
        Syscalls.umount(mount.target(), Syscalls.MNT_DETACH);
      }
      if (mountsUnder(dir).isEmpty()) {
        DirFd.deleteTree(dir);
      }
    }
  }

  static Path csiSanity() {
    return Containerd.tool("csi-sanity");
  }

  static String cli(String... args) {
    CliRun run = CliRun.in(root, args);
    assertThat(run.exit()).as("layercache %s: %s%s", List.of(args), run.out(), run.err()).isZero();
    return run.out();
  }

  static List<MountPoint> mountsUnder(Path path) throws IOException {
    return MountInfo.read().stream().filter(m -> m.target().startsWith(path)).toList();
  }

  /** The pod's volume directory, as the kubelet makes its parent and hands over the rest. */
  static String target(String pod) throws IOException {
    Path mount = kubelet.resolve("pods/" + pod + "/volumes/kubernetes.io~csi/data/mount");
    Files.createDirectories(mount.getParent());
    return mount.toString();
  }

  static NodePublishVolumeRequest.Builder publish(String volumeId, String target) {
    return NodePublishVolumeRequest.newBuilder()
        .setVolumeId(volumeId)
        .setTargetPath(target)
        .setVolumeCapability(
            VolumeCapability.newBuilder()
                .setMount(VolumeCapability.MountVolume.getDefaultInstance())
                .setAccessMode(
                    VolumeCapability.AccessMode.newBuilder()
                        .setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)));
  }

  static NodePublishVolumeRequest.Builder inline(String volumeId, String target) {
    return publish(volumeId, target)
        .putVolumeContext("image", image.toString())
        .putVolumeContext("csi.storage.k8s.io/ephemeral", "true")
        .putVolumeContext("csi.storage.k8s.io/pod.namespace", "team-a")
        .putVolumeContext("csi.storage.k8s.io/pod.name", "pod");
  }

  static NodePublishVolumeRequest.Builder named(String volumeId, String target, String ns) {
    return publish(volumeId, target)
        .putVolumeContext("workspace", "build")
        .putVolumeContext("csi.storage.k8s.io/ephemeral", "true")
        .putVolumeContext("csi.storage.k8s.io/pod.namespace", ns);
  }

  static void unpublish(String volumeId, String target) {
    node.nodeUnpublishVolume(
        NodeUnpublishVolumeRequest.newBuilder()
            .setVolumeId(volumeId)
            .setTargetPath(target)
            .build());
  }

  static long mountsAt(String target) throws IOException {
    return MountInfo.read().stream().filter(m -> m.target().equals(Path.of(target))).count();
  }

  static void assertCode(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(code))
        .hasMessageContaining(message);
  }

  @Test
  @Order(1)
  void identityAndNodeInfoAnswerAsAKubeletExpects() {
    IdentityGrpc.IdentityBlockingStub identity = IdentityGrpc.newBlockingStub(channel);
    var info = identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
    assertThat(info.getName()).isEqualTo("workspace.layercache.dev");
    assertThat(info.getVendorVersion()).startsWith("layercache ");
    assertThat(identity.probe(ProbeRequest.getDefaultInstance()).getReady().getValue()).isTrue();
    assertThat(
            identity
                .getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance())
                .getCapabilitiesList())
        .isEmpty(); // no controller service: nothing to provision or attach
    assertThat(node.nodeGetInfo(NodeGetInfoRequest.getDefaultInstance()).getNodeId())
        .isEqualTo(NODE);
    assertThat(
            node.nodeGetCapabilities(NodeGetCapabilitiesRequest.getDefaultInstance())
                .getCapabilitiesList())
        .isEmpty(); // no staging
    assertThat(PosixFilePermissions.toString(permissions(csiSocket))).isEqualTo("rw-------");
  }

  static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(Path p) {
    try {
      return Files.getPosixFilePermissions(p);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  @Order(2)
  void inlineVolumesAreWritableOverlaysOfTheImageIsolatedPerPod() throws Exception {
    String a = target("pod-a");
    String b = target("pod-b");
    node.nodePublishVolume(inline("csi-vol-a", a).build()); // pulls the image: not in the store
    node.nodePublishVolume(inline("csi-vol-a", a).build()); // the kubelet retries: one mount
    node.nodePublishVolume(inline("csi-vol-b", b).build());
    assertThat(mountsAt(a)).isEqualTo(1);
    assertThat(MountInfo.read().stream().filter(m -> m.target().equals(Path.of(a))))
        .singleElement()
        .satisfies(m -> assertThat(m.fstype()).isEqualTo("overlay"));

    assertThat(Path.of(a, "data/hello")).hasContent("hello from the image\n");
    Files.writeString(Path.of(a, "data/only-a"), "a");
    Files.delete(Path.of(a, "data/hello"));
    assertThat(Path.of(b, "data/only-a")).doesNotExist();
    assertThat(Path.of(b, "data/hello")).hasContent("hello from the image\n");

    // ls (a read-only client of the store while the daemon runs) shows them, with their owner.
    JsonNode ls = JSON.readTree(cli("--output", "json", "ls"));
    List<String> bindsOfA = new ArrayList<>();
    ls.path("items")
        .forEach(
            ws -> {
              if (ws.path("owner").asText().equals("csi/csi-vol-a")) {
                assertThat(ws.path("name").asText())
                    .isEqualTo(VolumePublisher.inlineWorkspace("csi-vol-a"));
                ws.path("binds").forEach(t -> bindsOfA.add(t.asText()));
              }
            });
    assertThat(bindsOfA).containsExactly(a);

    // The CLI, served by the same daemon (its one workspace engine), may not remove a pod's volume,
    // and its own workspaces live beside the pods' ones.
    String inlineA = VolumePublisher.inlineWorkspace("csi-vol-a");
    CliRun refused = CliRun.in(root, "umount", inlineA);
    assertThat(refused.exit()).as(refused.err()).isEqualTo(2);
    assertThat(refused.err()).contains("belongs to csi/csi-vol-a");
    cli("mount", "by-hand", image.toString());
    cli("umount", "by-hand");
    assertThat(Path.of(a, "data/only-a")).hasContent("a");
  }

  @Test
  @Order(3)
  void aNamedWorkspaceIsBoundIntoPodsOfItsNamespaceOnlyReadOnlyIfAsked() throws Exception {
    String c = target("pod-c");
    String d = target("pod-d");
    node.nodePublishVolume(named("csi-vol-c", c, "team-a").build());
    node.nodePublishVolume(named("csi-vol-d", d, "team-a").setReadonly(true).build());
    Files.writeString(Path.of(c, "data/from-c"), "c");
    assertThat(Path.of(d, "data/from-c")).hasContent("c"); // one overlay, shown twice
    assertThatThrownBy(() -> Files.writeString(Path.of(d, "data/x"), "x"))
        .hasMessageContaining("Read-only file system");
    long overlaysOfBuild =
        MountInfo.read().stream()
            .filter(
                m ->
                    m.superOptions()
                        .contains("upperdir=" + root.resolve("workspaces/team-a.build/upper")))
            .count();
    assertThat(overlaysOfBuild).isEqualTo(3); // its own mount and two binds of it

    String e = target("pod-e");
    assertCode(
        () -> node.nodePublishVolume(named("csi-vol-e", e, "team-b").build()),
        Status.Code.NOT_FOUND,
        "OverlayWorkspace team-b/build is not on this node");
    assertThat(Path.of(e)).doesNotExist();
  }

  @Test
  @Order(4)
  void badRequestsGetTheCodesTheSpecNames() throws Exception {
    String t = target("pod-bad");
    assertCode(
        () -> node.nodePublishVolume(inline("", t).build()),
        Status.Code.INVALID_ARGUMENT,
        "volume_id is required");
    assertCode(
        () -> node.nodePublishVolume(inline("v", t).clearVolumeCapability().build()),
        Status.Code.INVALID_ARGUMENT,
        "volume_capability");
    assertCode(
        () ->
            node.nodePublishVolume(
                inline("v", t)
                    .setVolumeCapability(
                        VolumeCapability.newBuilder()
                            .setBlock(VolumeCapability.BlockVolume.getDefaultInstance()))
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        "not block");
    assertCode(
        () -> node.nodePublishVolume(inline("v", t).putVolumeContext("size", "1Gi").build()),
        Status.Code.INVALID_ARGUMENT,
        "unknown volumeAttribute size");
    assertCode(
        () ->
            node.nodePublishVolume(
                inline("v", t)
                    .putVolumeContext(
                        "image", registry.reference("layercache-test/absent:1").toString())
                    .build()),
        Status.Code.NOT_FOUND,
        "absent");
    assertCode(
        () ->
            node.nodeUnpublishVolume(
                NodeUnpublishVolumeRequest.newBuilder().setVolumeId("v").build()),
        Status.Code.INVALID_ARGUMENT,
        "target_path is required");
    unpublish("never-published", target("pod-never")); // unknown: success
    assertThat(Path.of(t)).doesNotExist();
    assertThat(Files.list(root.resolve("workspaces")).map(p -> p.getFileName().toString()))
        .doesNotContain(VolumePublisher.inlineWorkspace("v"));
  }

  @Test
  @Order(5)
  void aContainerRunByContainerdReadsAndWritesThePublishedVolume() throws Exception {
    String target = target("pod-ctr");
    node.nodePublishVolume(inline("csi-vol-ctr", target).build());
    Path rootfs = Files.createDirectories(dir.resolve("ctr-rootfs/bin"));
    Files.write(rootfs.resolve("sh"), tool);
    Files.setPosixFilePermissions(
        rootfs.resolve("sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
    try (Containerd containerd =
        Containerd.start(
            dir.resolve("containerd"),
            dir.resolve("run/snapshotter.sock"),
            "unused/pause:1",
            List.of())) {
      // As the kubelet hands the volume to the runtime: a bind mount of the published target.
      String out =
          containerd.ctr(
              "run",
              "--rm",
              "--rootfs",
              "--mount",
              "type=bind,src=" + target + ",dst=/work,options=rbind:rw",
              rootfs.getParent().toString(),
              "csi-it",
              "/bin/sh",
              "/work/data/hello",
              "--write",
              "/work/data/from-container",
              "written in the container\n");
      assertThat(out).contains("hello from the image");
    }
    assertThat(Path.of(target, "data/from-container")).hasContent("written in the container\n");
    Path upper =
        root.resolve("workspaces")
            .resolve(VolumePublisher.inlineWorkspace("csi-vol-ctr"))
            .resolve("upper/data/from-container");
    assertThat(upper).hasContent("written in the container\n");
    unpublish("csi-vol-ctr", target);
    assertThat(upper).doesNotExist();
  }

  @Test
  @Order(6)
  void csiSanityNodeAndIdentitySuitesPass() throws Exception {
    Path sanity = Files.createDirectories(dir.resolve("sanity"));
    Path params = sanity.resolve("params.yaml");
    Files.writeString(params, "image: " + image + "\n");
    Process p =
        new ProcessBuilder(
                csiSanity().toString(),
                "--csi.endpoint",
                "unix://" + csiSocket,
                "--csi.mountdir",
                sanity.resolve("mount").toString(),
                "--csi.stagingdir",
                sanity.resolve("staging").toString(),
                "--ginkgo.focus",
                "Node Service|Identity Service",
                // It creates its volume with the controller's CreateVolume, which a node-only
                // plugin of ephemeral volumes does not have; unpublish removing the target is
                // checked above.
                "--ginkgo.skip",
                "should remove target path",
                "--ginkgo.no-color")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("csi-sanity.log").toFile())
            .start();
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(dir.resolve("csi-sanity.log"));
    Files.writeString(
        Files.createDirectories(Path.of("target", "csi-it")).resolve("csi-sanity.log"), log);
    assertThat(p.exitValue()).as(log).isZero();
    assertThat(log).containsPattern("Ran [1-9][0-9]* of [0-9]+ Specs").contains("0 Failed");
  }

  @Test
  @Order(7)
  void afterKill9TheRestartedDaemonKnowsThePublishedVolumesAndLeavesNothingBehind()
      throws Exception {
    String a = target("pod-a");
    String b = target("pod-b");
    String c = target("pod-c");
    String d = target("pod-d");
    stopChannel();
    daemon.kill9();
    assertThat(Path.of(a, "data/only-a")).hasContent("a"); // the mounts outlive the daemon
    startDaemon();

    node.nodePublishVolume(inline("csi-vol-a", a).build());
    node.nodePublishVolume(named("csi-vol-c", c, "team-a").build());
    assertThat(mountsAt(a)).isEqualTo(1);
    assertThat(mountsAt(c)).isEqualTo(1);
    assertThat(Path.of(a, "data/only-a")).hasContent("a");
    assertThat(cli("ls")).contains(VolumePublisher.inlineWorkspace("csi-vol-a"));

    for (String[] volume :
        List.of(
            new String[] {"csi-vol-a", a},
            new String[] {"csi-vol-b", b},
            new String[] {"csi-vol-c", c},
            new String[] {"csi-vol-d", d})) {
      unpublish(volume[0], volume[1]);
      unpublish(volume[0], volume[1]);
      assertThat(Path.of(volume[1])).doesNotExist();
    }
    assertThat(mountsUnder(kubelet)).isEmpty();
    try (Stream<Path> left = Files.list(root.resolve("workspaces"))) {
      // Only the OverlayWorkspace remains: the pods' inline workspaces went with their volumes.
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("team-a.build");
    }
    assertThat(mountsUnder(root).stream().map(MountPoint::target))
        .containsExactly(root.resolve("workspaces/team-a.build/merged"));

    assertThat(daemon.stop()).isZero();
    cli("delete", "-f", dir.resolve("ows.yaml").toString());
    assertThat(mountsUnder(dir)).isEmpty();
  }

  static List<MountPoint> reversed(List<MountPoint> mounts) {
    List<MountPoint> copy = new ArrayList<>(mounts);
    java.util.Collections.reverse(copy);
    return copy;
  }
}
