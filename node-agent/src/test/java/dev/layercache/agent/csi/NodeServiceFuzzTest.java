package dev.layercache.agent.csi;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.layercache.agent.csi.wire.NodeGetInfoRequest;
import dev.layercache.agent.csi.wire.NodePublishVolumeRequest;
import dev.layercache.agent.csi.wire.NodeUnpublishVolumeRequest;
import dev.layercache.agent.csi.wire.VolumeCapability;
import dev.layercache.agent.daemon.RpcCheck;
import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.RecordingMounter;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.oci.testing.FuzzBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sequences of CSI NodePublishVolume / NodeUnpublishVolume requests on the Node service over a
 * recording mounter (no real mounts) and a store with one image: every call ends with one answer or
 * one error status, never INTERNAL from a runtime exception, and the service still publishes and
 * unpublishes a good volume afterwards. Target paths that name a real place outside the scratch
 * directory are not sent (the kubelet chooses those, and this runs as root).
 */
@SuppressWarnings("unchecked")
class NodeServiceFuzzTest {
  private static final String LAYER = "sha256:" + "b".repeat(64);
  private static final String IMAGE = "registry.local/app:1";
  private static final List<String> KEYS =
      List.of(
          VolumePublisher.IMAGE,
          VolumePublisher.WORKSPACE,
          VolumePublisher.RECLAIM_POLICY,
          VolumePublisher.POD_NAMESPACE,
          VolumePublisher.KUBELET_PREFIX + "ephemeral");
  private static final List<String> VALUES =
      List.of(IMAGE, "true", "Retain", "Delete", "default", "ws", "");

  @FuzzTest(maxDuration = FuzzBudget.CI)
  void requests(FuzzedDataProvider data) throws IOException {
    Path root = Files.createTempDirectory("csi-fuzz");
    Path kubelet = Files.createDirectories(root.resolve("kubelet"));
    try (LayerStore store = LayerStore.open(root.resolve("store"))) {
      Files.createDirectories(store.layout().layerDiff(LAYER));
      ImageRecord image =
          new ImageRecord(
              IMAGE,
              "sha256:" + "f".repeat(64),
              "linux/amd64",
              List.of(new ImageRecord.Layer(LAYER, LAYER, "t", 1)),
              Instant.EPOCH);
      WorkspaceManager manager =
          new WorkspaceManager(
              store,
              new RecordingMounter(),
              VolumePublisherTest.KERNEL,
              Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
      NodeService node =
          new NodeService(
              new VolumePublisher(manager, reference -> image, new AppliedWorkspaces(manager)),
              "node-1");
      for (int i = 0; i < 6 && data.remainingBytes() > 0; i++) {
        String volumeId =
            data.consumeBoolean() ? "vol-" + data.consumeInt(0, 2) : data.consumeString(40);
        String target = kubelet + "/" + data.consumeString(60);
        if (!inside(target, kubelet)) {
          continue;
        }
        if (data.consumeBoolean()) {
          publish(node, volumeId, target, attributes(data), data.consumeInt(0, 2));
        } else {
          RpcCheck.call(
              o ->
                  node.nodeUnpublishVolume(
                      NodeUnpublishVolumeRequest.newBuilder()
                          .setVolumeId(volumeId)
                          .setTargetPath(target)
                          .build(),
                      o),
              true);
        }
      }
      String good = kubelet.resolve("good/mount").toString();
      assertThat(publish(node, "csi-good", good, Map.of(VolumePublisher.IMAGE, IMAGE), 1)).isNull();
      assertThat(
              RpcCheck.call(
                  o ->
                      node.nodeUnpublishVolume(
                          NodeUnpublishVolumeRequest.newBuilder()
                              .setVolumeId("csi-good")
                              .setTargetPath(good)
                              .build(),
                          o),
                  true))
          .isNull();
      assertThat(
              RpcCheck.call(
                  o -> node.nodeGetInfo(NodeGetInfoRequest.getDefaultInstance(), o), true))
          .isNull();
    } finally {
      DirFd.deleteTree(root);
    }
  }

  private static io.grpc.Status publish(
      NodeService node, String volumeId, String target, Map<String, String> context, int access) {
    NodePublishVolumeRequest.Builder request =
        NodePublishVolumeRequest.newBuilder()
            .setVolumeId(volumeId)
            .setTargetPath(target)
            .putAllVolumeContext(context);
    if (access == 1) {
      request.setVolumeCapability(
          VolumeCapability.newBuilder()
              .setMount(VolumeCapability.MountVolume.getDefaultInstance()));
    } else if (access == 2) {
      request.setVolumeCapability(
          VolumeCapability.newBuilder()
              .setBlock(VolumeCapability.BlockVolume.getDefaultInstance()));
    }
    return RpcCheck.call(o -> node.nodePublishVolume(request.build(), o), true);
  }

  private static Map<String, String> attributes(FuzzedDataProvider data) {
    Map<String, String> attributes = new HashMap<>();
    for (int n = data.consumeInt(0, 4); n > 0; n--) {
      attributes.put(
          data.consumeBoolean() ? data.pickValue(KEYS) : data.consumeString(30),
          data.consumeBoolean() ? data.pickValue(VALUES) : data.consumeString(60));
    }
    return attributes;
  }

  /** Inside the scratch directory, or not a path at all (which the service must refuse). */
  private static boolean inside(String target, Path kubelet) {
    try {
      return Path.of(target).normalize().startsWith(kubelet);
    } catch (InvalidPathException notAPath) {
      return true;
    }
  }
}
