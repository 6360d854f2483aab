package dev.layercache.agent.snapshot;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import dev.layercache.agent.snapshot.wire.CleanupRequest;
import dev.layercache.agent.snapshot.wire.CommitSnapshotRequest;
import dev.layercache.agent.snapshot.wire.Info;
import dev.layercache.agent.snapshot.wire.Kind;
import dev.layercache.agent.snapshot.wire.ListSnapshotsRequest;
import dev.layercache.agent.snapshot.wire.ListSnapshotsResponse;
import dev.layercache.agent.snapshot.wire.Mount;
import dev.layercache.agent.snapshot.wire.MountsRequest;
import dev.layercache.agent.snapshot.wire.MountsResponse;
import dev.layercache.agent.snapshot.wire.PrepareSnapshotRequest;
import dev.layercache.agent.snapshot.wire.PrepareSnapshotResponse;
import dev.layercache.agent.snapshot.wire.RemoveSnapshotRequest;
import dev.layercache.agent.snapshot.wire.SnapshotsGrpc;
import dev.layercache.agent.snapshot.wire.StatSnapshotRequest;
import dev.layercache.agent.snapshot.wire.StatSnapshotResponse;
import dev.layercache.agent.snapshot.wire.UpdateSnapshotRequest;
import dev.layercache.agent.snapshot.wire.UpdateSnapshotResponse;
import dev.layercache.agent.snapshot.wire.UsageRequest;
import dev.layercache.agent.snapshot.wire.UsageResponse;
import dev.layercache.agent.snapshot.wire.ViewSnapshotRequest;
import dev.layercache.agent.snapshot.wire.ViewSnapshotResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * containerd.services.snapshots.v1.Snapshots over gRPC: translates the wire to {@link Snapshotter}
 * and back, and its failures to the codes containerd's errdefs read. It owns no state.
 */
public final class SnapshotsService extends SnapshotsGrpc.SnapshotsImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotsService.class);
  private static final int LIST_BATCH = 100;

  private final Snapshotter snapshotter;

  public SnapshotsService(Snapshotter snapshotter) {
    this.snapshotter = snapshotter;
  }

  /** One RPC's work; its exceptions become the gRPC status. */
  private interface Call<T> {
    T run() throws Exception;
  }

  private static <T> void answer(String rpc, StreamObserver<T> out, Call<T> call) {
    T response;
    try {
      response = call.run();
    } catch (SnapshotException e) {
      out.onError(status(e).withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (Exception e) {
      LOG.warn("snapshotter {} failed", rpc, e);
      out.onError(
          Status.INTERNAL
              .withDescription(rpc + ": " + e.getMessage())
              .withCause(e)
              .asRuntimeException());
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  private static Status status(SnapshotException e) {
    return switch (e.reason()) {
      case NOT_FOUND -> Status.NOT_FOUND;
      case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
    };
  }

  @Override
  public void prepare(PrepareSnapshotRequest r, StreamObserver<PrepareSnapshotResponse> out) {
    answer(
        "prepare " + r.getKey(),
        out,
        () ->
            PrepareSnapshotResponse.newBuilder()
                .addAllMounts(
                    wire(snapshotter.prepare(r.getKey(), r.getParent(), r.getLabelsMap())))
                .build());
  }

  @Override
  public void view(ViewSnapshotRequest r, StreamObserver<ViewSnapshotResponse> out) {
    answer(
        "view " + r.getKey(),
        out,
        () ->
            ViewSnapshotResponse.newBuilder()
                .addAllMounts(wire(snapshotter.view(r.getKey(), r.getParent(), r.getLabelsMap())))
                .build());
  }

  @Override
  public void mounts(MountsRequest r, StreamObserver<MountsResponse> out) {
    answer(
        "mounts " + r.getKey(),
        out,
        () ->
            MountsResponse.newBuilder().addAllMounts(wire(snapshotter.mounts(r.getKey()))).build());
  }

  @Override
  public void commit(CommitSnapshotRequest r, StreamObserver<Empty> out) {
    answer(
        "commit " + r.getKey(),
        out,
        () -> {
          snapshotter.commit(r.getName(), r.getKey(), r.getLabelsMap());
          return Empty.getDefaultInstance();
        });
  }

  @Override
  public void remove(RemoveSnapshotRequest r, StreamObserver<Empty> out) {
    answer(
        "remove " + r.getKey(),
        out,
        () -> {
          snapshotter.remove(r.getKey());
          return Empty.getDefaultInstance();
        });
  }

  @Override
  public void stat(StatSnapshotRequest r, StreamObserver<StatSnapshotResponse> out) {
    answer(
        "stat " + r.getKey(),
        out,
        () ->
            StatSnapshotResponse.newBuilder().setInfo(info(snapshotter.stat(r.getKey()))).build());
  }

  @Override
  public void update(UpdateSnapshotRequest r, StreamObserver<UpdateSnapshotResponse> out) {
    answer(
        "update " + r.getInfo().getName(),
        out,
        () ->
            UpdateSnapshotResponse.newBuilder()
                .setInfo(
                    info(
                        snapshotter.update(
                            r.getInfo().getName(),
                            r.getInfo().getLabelsMap(),
                            r.getUpdateMask().getPathsList())))
                .build());
  }

  /**
   * Every snapshot, in batches. Filters are not applied: containerd checks each snapshot it walks
   * against what it asked for.
   */
  @Override
  public void list(ListSnapshotsRequest r, StreamObserver<ListSnapshotsResponse> out) {
    List<Snapshot> all = snapshotter.list();
    for (int i = 0; i < all.size(); i += LIST_BATCH) {
      ListSnapshotsResponse.Builder batch = ListSnapshotsResponse.newBuilder();
      all.subList(i, Math.min(all.size(), i + LIST_BATCH)).forEach(s -> batch.addInfo(info(s)));
      out.onNext(batch.build());
    }
    out.onCompleted();
  }

  @Override
  public void usage(UsageRequest r, StreamObserver<UsageResponse> out) {
    answer(
        "usage " + r.getKey(),
        out,
        () -> {
          Snapshotter.Usage usage = snapshotter.usage(r.getKey());
          return UsageResponse.newBuilder()
              .setSize(usage.bytes())
              .setInodes(usage.inodes())
              .build();
        });
  }

  @Override
  public void cleanup(CleanupRequest r, StreamObserver<Empty> out) {
    answer(
        "cleanup",
        out,
        () -> {
          snapshotter.cleanup();
          return Empty.getDefaultInstance();
        });
  }

  private static List<Mount> wire(List<SnapshotMount> mounts) {
    return mounts.stream()
        .map(
            m ->
                Mount.newBuilder()
                    .setType(m.type())
                    .setSource(m.source())
                    .addAllOptions(m.options())
                    .build())
        .toList();
  }

  private static Info info(Snapshot s) {
    return Info.newBuilder()
        .setName(s.name())
        .setParent(s.parent())
        .setKind(
            switch (s.kind()) {
              case VIEW -> Kind.VIEW;
              case ACTIVE -> Kind.ACTIVE;
              case COMMITTED -> Kind.COMMITTED;
            })
        .setCreatedAt(timestamp(s.createdAt()))
        .setUpdatedAt(timestamp(s.updatedAt()))
        .putAllLabels(s.labels())
        .build();
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
