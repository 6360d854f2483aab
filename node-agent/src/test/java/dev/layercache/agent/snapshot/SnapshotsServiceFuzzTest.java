package dev.layercache.agent.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.FieldMask;
import dev.layercache.agent.daemon.RpcCheck;
import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.snapshot.wire.CleanupRequest;
import dev.layercache.agent.snapshot.wire.CommitSnapshotRequest;
import dev.layercache.agent.snapshot.wire.Info;
import dev.layercache.agent.snapshot.wire.ListSnapshotsRequest;
import dev.layercache.agent.snapshot.wire.MountsRequest;
import dev.layercache.agent.snapshot.wire.PrepareSnapshotRequest;
import dev.layercache.agent.snapshot.wire.RemoveSnapshotRequest;
import dev.layercache.agent.snapshot.wire.StatSnapshotRequest;
import dev.layercache.agent.snapshot.wire.UpdateSnapshotRequest;
import dev.layercache.agent.snapshot.wire.UsageRequest;
import dev.layercache.agent.snapshot.wire.ViewSnapshotRequest;
import dev.layercache.agent.store.LayerRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.oci.Platform;
import dev.layercache.oci.testing.FuzzBudget;
import dev.layercache.oci.testing.InMemoryRegistryClient;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sequences of containerd snapshotter requests, called through the gRPC service implementation on a
 * fresh store with one layer: every call ends with one answer or one error status, an error is
 * never INTERNAL from a runtime exception (a bad request is the client's error, not ours), and
 * afterwards the service still serves a prepare, commit and list.
 */
@SuppressWarnings("unchecked")
class SnapshotsServiceFuzzTest {
  private static final String LAYER = "sha256:" + "a".repeat(64);
  private static final List<String> LABEL_KEYS =
      List.of(
          Labels.TARGET,
          Labels.CRI_IMAGE_REF,
          Labels.CRI_MANIFEST_DIGEST,
          Labels.CRI_LAYER_DIGEST,
          "containerd.io/gc.root");

  @FuzzTest(maxDuration = FuzzBudget.CI)
  void requests(FuzzedDataProvider data) throws IOException {
    Path root = Files.createTempDirectory("snapshots-fuzz");
    try (LayerStore store = LayerStore.open(root)) {
      Path staged = store.newStagingDir();
      Files.createDirectories(staged.resolve("diff"));
      store.commit(staged, new LayerRecord(LAYER, 1, 1, LAYER, "x", 1, Instant.now()));
      // Cold layers from a registry that has nothing: labels naming an image reach the parser.
      ColdLayers cold =
          new CriLabelledLayers(
              new InMemoryRegistryClient(), null, null, root, Platform.parse("linux/amd64"));
      SnapshotsService service =
          new SnapshotsService(new Snapshotter(store, cold, true, Clock.systemUTC()));
      List<String> keys = new ArrayList<>(List.of("", "a", "b", LAYER));
      for (int i = 0; i < 8 && data.remainingBytes() > 0; i++) {
        call(service, data, keys);
      }
      assertServes(service);
    } finally {
      DirFd.deleteTree(root);
    }
  }

  private static void call(SnapshotsService service, FuzzedDataProvider data, List<String> keys) {
    String key = key(data, keys);
    String other = key(data, keys);
    Map<String, String> labels = labels(data, keys);
    switch (data.consumeInt(0, 9)) {
      case 0 ->
          answer(
              o ->
                  service.prepare(
                      PrepareSnapshotRequest.newBuilder()
                          .setKey(key)
                          .setParent(other)
                          .putAllLabels(labels)
                          .build(),
                      o));
      case 1 ->
          answer(
              o ->
                  service.view(
                      ViewSnapshotRequest.newBuilder()
                          .setKey(key)
                          .setParent(other)
                          .putAllLabels(labels)
                          .build(),
                      o));
      case 2 -> answer(o -> service.mounts(MountsRequest.newBuilder().setKey(key).build(), o));
      case 3 ->
          answer(
              o ->
                  service.commit(
                      CommitSnapshotRequest.newBuilder()
                          .setName(other)
                          .setKey(key)
                          .putAllLabels(labels)
                          .build(),
                      o));
      case 4 ->
          answer(o -> service.remove(RemoveSnapshotRequest.newBuilder().setKey(key).build(), o));
      case 5 -> answer(o -> service.stat(StatSnapshotRequest.newBuilder().setKey(key).build(), o));
      case 6 ->
          answer(
              o ->
                  service.update(
                      UpdateSnapshotRequest.newBuilder()
                          .setInfo(Info.newBuilder().setName(key).putAllLabels(labels))
                          .setUpdateMask(
                              FieldMask.newBuilder()
                                  .addAllPaths(
                                      data.consumeBoolean()
                                          ? List.of()
                                          : List.of(data.consumeString(30))))
                          .build(),
                      o));
      case 7 -> answer(o -> service.usage(UsageRequest.newBuilder().setKey(key).build(), o));
      case 8 -> answer(o -> service.cleanup(CleanupRequest.getDefaultInstance(), o));
      default -> list(service);
    }
  }

  private static String key(FuzzedDataProvider data, List<String> keys) {
    if (data.consumeBoolean()) {
      return data.pickValue(keys);
    }
    String key = data.consumeString(64);
    keys.add(key);
    return key;
  }

  private static Map<String, String> labels(FuzzedDataProvider data, List<String> keys) {
    Map<String, String> labels = new HashMap<>();
    for (int n = data.consumeInt(0, 3); n > 0; n--) {
      String value = data.consumeBoolean() ? data.pickValue(keys) : data.consumeString(80);
      labels.put(
          data.consumeBoolean() ? data.pickValue(LABEL_KEYS) : data.consumeString(30), value);
    }
    return labels;
  }

  /** A prepare and a commit under names the requests before did not take, then a list. */
  private static void assertServes(SnapshotsService service) {
    String extract = unused(service, "after/extract-");
    String committed = unused(service, "after/committed-");
    assertThat(
            answer(
                o ->
                    service.prepare(
                        PrepareSnapshotRequest.newBuilder().setKey(extract).build(), o)))
        .isNull();
    assertThat(
            answer(
                o ->
                    service.commit(
                        CommitSnapshotRequest.newBuilder()
                            .setName(committed)
                            .setKey(extract)
                            .build(),
                        o)))
        .isNull();
    list(service);
  }

  /** The first of prefix0, prefix1, ... that Stat does not know (a fuzzed request may use any). */
  private static String unused(SnapshotsService service, String prefix) {
    for (int i = 0; ; i++) {
      String name = prefix + i;
      Status stat =
          answer(o -> service.stat(StatSnapshotRequest.newBuilder().setKey(name).build(), o));
      if (stat != null && stat.getCode() == Status.Code.NOT_FOUND) {
        return name;
      }
    }
  }

  private static void list(SnapshotsService service) {
    assertThat(
            RpcCheck.call(o -> service.list(ListSnapshotsRequest.getDefaultInstance(), o), false))
        .isNull();
  }

  private static Status answer(RpcCheck.Rpc rpc) {
    return RpcCheck.call(rpc, true);
  }
}
