package dev.layercache.agent.csi;

import dev.layercache.agent.csi.wire.NodeGetCapabilitiesRequest;
import dev.layercache.agent.csi.wire.NodeGetCapabilitiesResponse;
import dev.layercache.agent.csi.wire.NodeGetInfoRequest;
import dev.layercache.agent.csi.wire.NodeGetInfoResponse;
import dev.layercache.agent.csi.wire.NodeGrpc;
import dev.layercache.agent.csi.wire.NodePublishVolumeRequest;
import dev.layercache.agent.csi.wire.NodePublishVolumeResponse;
import dev.layercache.agent.csi.wire.NodeUnpublishVolumeRequest;
import dev.layercache.agent.csi.wire.NodeUnpublishVolumeResponse;
import dev.layercache.agent.store.DiskPressureException;
import dev.layercache.agent.workspace.WorkspaceBusyException;
import dev.layercache.agent.workspace.WorkspaceException;
import dev.layercache.oci.RegistryFailure;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * csi.v1.Node over gRPC: translates the wire to {@link VolumePublisher} and its failures to the
 * codes the CSI spec names. No staging (publish binds straight into the target), no capabilities.
 */
final class NodeService extends NodeGrpc.NodeImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(NodeService.class);

  private final VolumePublisher publisher;
  private final String nodeId;

  NodeService(VolumePublisher publisher, String nodeId) {
    this.publisher = publisher;
    this.nodeId = nodeId;
  }

  private interface Call {
    void run() throws Exception;
  }

  private static <T> void answer(String rpc, T response, StreamObserver<T> out, Call call) {
    try {
      call.run();
    } catch (Exception e) {
      Status status = status(e);
      if (status.getCode() == Status.Code.INTERNAL) {
        LOG.warn("{} failed", rpc, e);
      }
      out.onError(status.withDescription(rpc + ": " + e.getMessage()).asRuntimeException());
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  /** The spec's code for a failure: the caller's mistakes, what is missing, what is busy. */
  static Status status(Throwable e) {
    if (e instanceof VolumeException v) {
      return Status.fromCode(Status.Code.valueOf(v.code().name()));
    }
    if (e instanceof WorkspaceException w) {
      return switch (w.kind()) {
        case INVALID -> Status.INVALID_ARGUMENT;
        case NOT_FOUND -> Status.NOT_FOUND;
        // Published already, but not as asked (another image, another workspace at the target).
        case CONFLICT -> Status.ALREADY_EXISTS;
        case NOT_MOUNTED -> Status.FAILED_PRECONDITION;
      };
    }
    if (e instanceof WorkspaceBusyException) {
      return Status.FAILED_PRECONDITION;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DiskPressureException) {
        return Status.RESOURCE_EXHAUSTED;
      }
    }
    return RegistryFailure.of(e)
        .map(
            failure ->
                switch (failure) {
                  case NOT_FOUND -> Status.NOT_FOUND;
                  case UNAUTHORIZED -> Status.PERMISSION_DENIED;
                  case UNAVAILABLE -> Status.UNAVAILABLE;
                  case NO_MATCHING_PLATFORM -> Status.FAILED_PRECONDITION;
                  case DIGEST_MISMATCH -> Status.INTERNAL;
                })
        .orElse(Status.INTERNAL);
  }

  @Override
  public void nodePublishVolume(
      NodePublishVolumeRequest r, StreamObserver<NodePublishVolumeResponse> out) {
    answer(
        "publish " + r.getVolumeId() + " at " + r.getTargetPath(),
        NodePublishVolumeResponse.getDefaultInstance(),
        out,
        () -> {
          if (!r.hasVolumeCapability()) {
            throw new VolumeException(
                VolumeException.Code.INVALID_ARGUMENT, "volume_capability is required");
          }
          if (!r.getVolumeCapability().hasMount()) {
            throw new VolumeException(
                VolumeException.Code.INVALID_ARGUMENT,
                "workspaces are filesystems: use a volume with access type mount, not block");
          }
          publisher.publish(
              new VolumePublisher.Publication(
                  r.getVolumeId(), r.getTargetPath(), r.getReadonly(), r.getVolumeContextMap()));
        });
  }

  @Override
  public void nodeUnpublishVolume(
      NodeUnpublishVolumeRequest r, StreamObserver<NodeUnpublishVolumeResponse> out) {
    answer(
        "unpublish " + r.getVolumeId() + " at " + r.getTargetPath(),
        NodeUnpublishVolumeResponse.getDefaultInstance(),
        out,
        () -> publisher.unpublish(r.getVolumeId(), r.getTargetPath()));
  }

  @Override
  public void nodeGetCapabilities(
      NodeGetCapabilitiesRequest r, StreamObserver<NodeGetCapabilitiesResponse> out) {
    out.onNext(NodeGetCapabilitiesResponse.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void nodeGetInfo(NodeGetInfoRequest r, StreamObserver<NodeGetInfoResponse> out) {
    out.onNext(NodeGetInfoResponse.newBuilder().setNodeId(nodeId).build());
    out.onCompleted();
  }
}
