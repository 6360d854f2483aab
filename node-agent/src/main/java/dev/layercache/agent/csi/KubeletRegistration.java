package dev.layercache.agent.csi;

import dev.layercache.agent.csi.registration.wire.InfoRequest;
import dev.layercache.agent.csi.registration.wire.PluginInfo;
import dev.layercache.agent.csi.registration.wire.RegistrationGrpc;
import dev.layercache.agent.csi.registration.wire.RegistrationStatus;
import dev.layercache.agent.csi.registration.wire.RegistrationStatusResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's plugin registration service for the CSI node plugin, which node-driver-registrar
 * would otherwise serve beside it: served on {@link #SOCKET_NAME} in the kubelet's {@code
 * plugins_registry} directory, it names the driver and the CSI socket. The kubelet registers the
 * driver when that socket appears (it calls NodeGetInfo at the CSI socket, then reports the outcome
 * here) and deregisters it when the socket goes, so the socket should live exactly as long as the
 * CSI server.
 */
public final class KubeletRegistration extends RegistrationGrpc.RegistrationImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(KubeletRegistration.class);

  /** The plugin type the kubelet hands to its CSI volume plugin. */
  public static final String CSI_PLUGIN = "CSIPlugin";

  /** The registration socket's file name (the kubelet ignores names starting with a dot). */
  public static final String SOCKET_NAME = CsiPlugin.NAME + "-reg.sock";

  /**
   * The CSI spec versions served: the kubelet takes the highest 1.x (0.x is refused since 1.17).
   */
  public static final String CSI_VERSION = "1.0.0";

  /**
   * The kubelet retries a failed registration every second or so; the same error is logged again at
   * most this often.
   */
  private static final Duration REPEAT_LOG = Duration.ofMinutes(1);

  private final Path endpoint;
  private final Clock clock;
  private String lastError;
  private Instant lastLogged = Instant.MIN;

  /**
   * @param endpoint the CSI socket as the kubelet sees it (the node's path, not a container's)
   */
  public KubeletRegistration(Path endpoint, Clock clock) {
    if (!endpoint.isAbsolute()) {
      throw new IllegalArgumentException(
          "the kubelet needs an absolute CSI socket path: " + endpoint);
    }
    this.endpoint = endpoint;
    this.clock = clock;
  }

  @Override
  public void getInfo(InfoRequest request, StreamObserver<PluginInfo> out) {
    out.onNext(
        PluginInfo.newBuilder()
            .setType(CSI_PLUGIN)
            .setName(CsiPlugin.NAME)
            .setEndpoint(endpoint.toString())
            .addSupportedVersions(CSI_VERSION)
            .build());
    out.onCompleted();
  }

  @Override
  public void notifyRegistrationStatus(
      RegistrationStatus status, StreamObserver<RegistrationStatusResponse> out) {
    record(status);
    out.onNext(RegistrationStatusResponse.getDefaultInstance());
    out.onCompleted();
  }

  private synchronized void record(RegistrationStatus status) {
    if (status.getPluginRegistered()) {
      LOG.info("the kubelet registered CSI driver {} at {}", CsiPlugin.NAME, endpoint);
      lastError = null;
      return;
    }
    String error = status.getError().isBlank() ? "(the kubelet gave no reason)" : status.getError();
    Instant now = clock.instant();
    if (!error.equals(lastError) || !now.isBefore(lastLogged.plus(REPEAT_LOG))) {
      LOG.error(
          "the kubelet did not register CSI driver {} (endpoint {}): {}; pods cannot mount its"
              + " volumes on this node until it does",
          CsiPlugin.NAME,
          endpoint,
          error);
      lastError = error;
      lastLogged = now;
    }
  }
}
