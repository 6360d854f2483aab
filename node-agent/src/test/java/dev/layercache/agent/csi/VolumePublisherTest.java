package dev.layercache.agent.csi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.agent.csi.VolumeException.Code;
import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.RecordingMounter;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.WorkspaceBusyException;
import dev.layercache.agent.workspace.WorkspaceException;
import dev.layercache.agent.workspace.WorkspaceInfo;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.agent.workspace.WorkspaceRecord;
import dev.layercache.agent.workspace.WorkspaceRequest;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin's decisions against a recording mounter: which workspace a volume becomes, what is
 * bound where, what unpublish removes, and which CSI code each bad request gets. No root needed;
 * CsiNodePluginIT does it for real over the socket.
 */
class VolumePublisherTest {
  static final KernelFeatures KERNEL =
      new KernelFeatures(true, true, true, true, true, true, true, false);
  static final String LAYER = "sha256:" + "b".repeat(64);
  static final String IMAGE = "registry.local/app:1";

  @TempDir Path root;
  @TempDir Path kubelet;
  LayerStore store;
  RecordingMounter mounter = new RecordingMounter();
  WorkspaceManager manager;
  ImageRecord image;
  List<String> pulled = new ArrayList<>();
  VolumePublisher publisher;

  @BeforeEach
  void store() throws Exception {
    store = LayerStore.open(root);
    Files.createDirectories(store.layout().layerDiff(LAYER));
    image =
        new ImageRecord(
            IMAGE,
            "sha256:" + "f".repeat(64),
            "linux/amd64",
            List.of(new ImageRecord.Layer(LAYER, LAYER, "t", 1)),
            Instant.EPOCH);
    manager =
        new WorkspaceManager(store, mounter, KERNEL, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
    publisher =
        new VolumePublisher(
            manager,
            reference -> {
              pulled.add(reference);
              return image;
            },
            new AppliedWorkspaces(manager));
  }

  @AfterEach
  void close() throws Exception {
    store.close();
  }

  String target(String pod) {
    return kubelet.resolve("pods/" + pod + "/volumes/kubernetes.io~csi/data/mount").toString();
  }

  void publish(String volumeId, String target, Map<String, String> attributes) throws Exception {
    publisher.publish(new VolumePublisher.Publication(volumeId, target, false, attributes));
  }

  @Test
  void anInlineVolumeIsAWorkspaceOfItsOwnBoundAtTheTargetAndGoesOnUnpublish() throws Exception {
    String target = target("pod-a");
    Files.createDirectories(Path.of(target).getParent());
    publish("csi-abc", target, Map.of("image", IMAGE, "csi.storage.k8s.io/ephemeral", "true"));
    publish("csi-abc", target, Map.of("image", IMAGE, "csi.storage.k8s.io/ephemeral", "true"));

    String name = VolumePublisher.inlineWorkspace("csi-abc");
    WorkspaceInfo ws = manager.get(name).orElseThrow();
    assertThat(ws.record().owner()).isEqualTo("csi/csi-abc");
    assertThat(ws.record().retain()).isFalse();
    assertThat(ws.binds()).containsExactly(Path.of(target));
    assertThat(mounter.calls)
        .containsExactly(
            "mount " + ws.layout().merged(), "bind " + ws.layout().merged() + " " + target);
    assertThat(mounter.mounted).hasSize(1); // one overlay: the bind shows it, never a second one

    publisher.unpublish("csi-abc", target);
    assertThat(manager.get(name)).isEmpty();
    assertThat(mounter.isMounted(Path.of(target))).isFalse();
    assertThat(Path.of(target)).doesNotExist();

    publisher.unpublish("csi-abc", target); // the kubelet retries: still fine
    publisher.unpublish("never-published", target("pod-x"));
  }

  @Test
  void twoPodsInlineVolumesAreTwoWorkspacesAndRetainKeepsTheUpper() throws Exception {
    publish("vol-1", target("pod-a"), Map.of("image", IMAGE));
    publish("vol-2", target("pod-b"), Map.of("image", IMAGE, "reclaimPolicy", "Retain"));
    WorkspaceInfo one = manager.get(VolumePublisher.inlineWorkspace("vol-1")).orElseThrow();
    WorkspaceInfo two = manager.get(VolumePublisher.inlineWorkspace("vol-2")).orElseThrow();
    assertThat(one.layout().upper()).isNotEqualTo(two.layout().upper());
    assertThat(two.record().retain()).isTrue();

    publisher.unpublish("vol-2", target("pod-b"));
    WorkspaceInfo kept = manager.get(VolumePublisher.inlineWorkspace("vol-2")).orElseThrow();
    assertThat(kept.record().state()).isEqualTo(WorkspaceRecord.State.RETAINED);
    assertThat(kept.binds()).isEmpty();
    assertThat(one.binds()).containsExactly(Path.of(target("pod-a")));
  }

  @Test
  void aNamedVolumeBindsTheOverlayWorkspaceOfThePodsNamespaceOnly() throws Exception {
    manager.ensure(
        new WorkspaceRequest("team-a.build", image, false, false, false, null, owner("build")));
    Map<String, String> inTeamA =
        Map.of("workspace", "build", "csi.storage.k8s.io/pod.namespace", "team-a");
    publish("vol-1", target("pod-a"), inTeamA);
    publish("vol-2", target("pod-b"), inTeamA);
    assertThat(manager.binds("team-a.build"))
        .containsExactly(Path.of(target("pod-a")), Path.of(target("pod-b")));
    assertThat(mounter.mounted).hasSize(1);

    assertCode(
        () ->
            publish(
                "vol-3",
                target("pod-c"),
                Map.of("workspace", "build", "csi.storage.k8s.io/pod.namespace", "team-b")),
        Code.NOT_FOUND,
        "OverlayWorkspace team-b/build is not on this node");
    assertCode(
        () ->
            publish(
                "vol-3",
                target("pod-c"),
                Map.of("workspace", "team-a/build", "csi.storage.k8s.io/pod.namespace", "team-b")),
        Code.PERMISSION_DENIED,
        "only OverlayWorkspaces of its own namespace");
    assertCode(
        () -> publish("vol-3", target("pod-c"), Map.of("workspace", "build")),
        Code.INVALID_ARGUMENT,
        "podInfoOnMount");

    // Deleting it while pods use it waits for them: the overlay is not pulled from under them.
    assertThatThrownBy(
            () ->
                manager.remove(
                    "team-a.build", owner("build"), WorkspaceManager.UpperPolicy.RECORDED, true))
        .isInstanceOf(WorkspaceBusyException.class)
        .hasMessageContaining("in use by pods")
        .hasMessageContaining(target("pod-a"));
    publisher.unpublish("vol-1", target("pod-a"));
    publisher.unpublish("vol-2", target("pod-b"));
    assertThat(manager.get("team-a.build")).isPresent(); // a named workspace is not ours to remove
    assertThat(
            manager.remove(
                "team-a.build", owner("build"), WorkspaceManager.UpperPolicy.RECORDED, false))
        .isEqualTo(WorkspaceManager.Removal.DELETED);
  }

  @Test
  void aWorkspaceOfTheCliWithTheAppliedNameIsNotTheOverlayWorkspace() throws Exception {
    manager.ensure(WorkspaceRequest.ephemeral("team-a.build", image, "cli"));
    assertCode(
        () ->
            publish(
                "vol-1",
                target("pod-a"),
                Map.of("workspace", "build", "csi.storage.k8s.io/pod.namespace", "team-a")),
        Code.NOT_FOUND,
        "team-a/build");
  }

  @Test
  void aNamedWorkspaceThatIsNotMountedIsAFailedPrecondition() throws Exception {
    manager.ensure(
        new WorkspaceRequest("team-a.build", image, true, false, false, null, owner("build")));
    manager.remove("team-a.build", owner("build"), WorkspaceManager.UpperPolicy.KEEP, false);
    Throwable failure =
        catchFrom(
            () ->
                publish(
                    "vol-1",
                    target("pod-a"),
                    Map.of("workspace", "build", "csi.storage.k8s.io/pod.namespace", "team-a")));
    assertThat(failure).isInstanceOf(WorkspaceException.class).hasMessageContaining("not mounted");
    assertThat(NodeService.status(failure).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void badRequestsGetTheCodesTheSpecNamesAndChangeNothing() throws Exception {
    String target = target("pod-a");
    assertCode(
        () -> publish("", target, Map.of("image", IMAGE)), Code.INVALID_ARGUMENT, "volume_id");
    assertCode(
        () -> publish("v", "", Map.of("image", IMAGE)), Code.INVALID_ARGUMENT, "target_path");
    assertCode(
        () -> publisher.unpublish("vol-1", target + "/L\0"),
        Code.INVALID_ARGUMENT,
        "target_path is not a valid path");
    assertCode(
        () -> publish("v", "relative/dir", Map.of("image", IMAGE)),
        Code.INVALID_ARGUMENT,
        "not an absolute path");
    assertCode(() -> publish("v", target, Map.of()), Code.INVALID_ARGUMENT, "exactly one of");
    assertCode(
        () -> publish("v", target, Map.of("image", IMAGE, "workspace", "w")),
        Code.INVALID_ARGUMENT,
        "exactly one of");
    assertCode(
        () -> publish("v", target, Map.of("image", IMAGE, "imag", "x")),
        Code.INVALID_ARGUMENT,
        "unknown volumeAttribute imag");
    assertCode(
        () -> publish("v", target, Map.of("image", IMAGE, "reclaimPolicy", "Keep")),
        Code.INVALID_ARGUMENT,
        "neither Delete nor Retain");
    assertCode(
        () -> publish("v", target, Map.of("image", "UPPER/case:?")),
        Code.INVALID_ARGUMENT,
        "image");
    assertCode(() -> publisher.unpublish("v", ""), Code.INVALID_ARGUMENT, "target_path");
    assertThat(pulled).isEmpty();
    assertThat(manager.list()).isEmpty();

    publish("v", target, Map.of("image", IMAGE));
    Throwable otherImage =
        catchFrom(() -> publish("v", target, Map.of("image", "registry.local/other:1")));
    assertThat(NodeService.status(otherImage).getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(pulled).containsExactly(IMAGE);
  }

  @Test
  void theInlineNamesAreKeptForInlineVolumes() {
    String name = VolumePublisher.inlineWorkspace("v");
    assertThatThrownBy(() -> manager.ensure(WorkspaceRequest.ephemeral(name, image, "cli")))
        .isInstanceOf(WorkspaceException.class)
        .hasMessageContaining("kept for pods' inline volumes");
    assertThat(name).matches(WorkspaceManager.NAME.pattern()).hasSize(68);
  }

  @Test
  void aFailedBindOfANewInlineVolumeLeavesNoWorkspace() throws Exception {
    Path store = root.resolve("workspaces/inside");
    assertThatThrownBy(() -> publish("v", store.toString(), Map.of("image", IMAGE)))
        .hasMessageContaining("inside the store");
    assertThat(manager.list()).isEmpty();
  }

  static String owner(String name) {
    return "OverlayWorkspace/team-a/" + name;
  }

  interface Action {
    void run() throws Exception;
  }

  static Throwable catchFrom(Action action) {
    try {
      action.run();
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("expected a failure");
  }

  static void assertCode(Action action, Code code, String message) {
    Throwable failure = catchFrom(action);
    assertThat(failure).isInstanceOf(VolumeException.class).hasMessageContaining(message);
    assertThat(((VolumeException) failure).code()).isEqualTo(code);
  }
}
