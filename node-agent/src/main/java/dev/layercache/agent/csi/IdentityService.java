package dev.layercache.agent.csi;

import com.google.protobuf.BoolValue;
import dev.layercache.agent.csi.wire.GetPluginCapabilitiesRequest;
import dev.layercache.agent.csi.wire.GetPluginCapabilitiesResponse;
import dev.layercache.agent.csi.wire.GetPluginInfoRequest;
import dev.layercache.agent.csi.wire.GetPluginInfoResponse;
import dev.layercache.agent.csi.wire.IdentityGrpc;
import dev.layercache.agent.csi.wire.ProbeRequest;
import dev.layercache.agent.csi.wire.ProbeResponse;
import io.grpc.stub.StreamObserver;

/**
 * csi.v1.Identity: the plugin's name and version, no plugin capabilities (no controller service:
 * volumes exist only on their node), and ready whenever it answers (it is served only once the
 * store is open and workspaces are recovered).
 */
final class IdentityService extends IdentityGrpc.IdentityImplBase {
  private final String version;

  IdentityService(String version) {
    this.version = version;
  }

  @Override
  public void getPluginInfo(GetPluginInfoRequest r, StreamObserver<GetPluginInfoResponse> out) {
    out.onNext(
        GetPluginInfoResponse.newBuilder()
            .setName(CsiPlugin.NAME)
            .setVendorVersion(version)
            .build());
    out.onCompleted();
  }

  @Override
  public void getPluginCapabilities(
      GetPluginCapabilitiesRequest r, StreamObserver<GetPluginCapabilitiesResponse> out) {
    out.onNext(GetPluginCapabilitiesResponse.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void probe(ProbeRequest r, StreamObserver<ProbeResponse> out) {
    out.onNext(ProbeResponse.newBuilder().setReady(BoolValue.of(true)).build());
    out.onCompleted();
  }
}
