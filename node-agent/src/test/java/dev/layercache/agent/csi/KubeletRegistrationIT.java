package dev.layercache.agent.csi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layercache.agent.csi.registration.wire.InfoRequest;
import dev.layercache.agent.csi.registration.wire.PluginInfo;
import dev.layercache.agent.csi.registration.wire.RegistrationGrpc;
import dev.layercache.agent.csi.registration.wire.RegistrationStatus;
import dev.layercache.agent.csi.wire.NodeGetInfoRequest;
import dev.layercache.agent.csi.wire.NodeGrpc;
import dev.layercache.agent.daemon.DaemonProcess;
import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.RootRequired;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The daemon registers its CSI plugin with the kubelet itself: this test plays the kubelet's plugin
 * watcher against a real {@code layercache daemon} process, in a kubelet-like root directory: it
 * finds the socket in {@code plugins_registry}, asks GetInfo, calls NodeGetInfo at the endpoint it
 * was given (what the kubelet's CSI handler does before it says yes), reports the outcome, and sees
 * the socket go when the daemon stops. {@code DeployE2E} shows a real kubelet doing the same.
 */
class KubeletRegistrationIT {
  static final String NODE = "reg-it-node";

  Path dir;
  Path registry;
  Path csiSocket;
  DaemonProcess daemon;

  @BeforeEach
  void kubeletRoot() throws IOException {
    RootRequired.assumeOverlayfs();
    dir = Files.createTempDirectory("layercache-kubelet-reg-");
    registry = Files.createDirectories(dir.resolve("kubelet/plugins_registry"));
    csiSocket = dir.resolve("kubelet/plugins/workspace.layercache.dev/csi.sock");
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
    if (dir != null) {
      Path log = dir.resolve("daemon.log");
      if (Files.exists(log)) {
        Path logs = Files.createDirectories(Path.of("target", "kubelet-registration-it"));
        Files.copy(log, logs.resolve("daemon.log"), StandardCopyOption.REPLACE_EXISTING);
      }
      DirFd.deleteTree(dir);
    }
  }

  DaemonProcess daemon(String... options) {
    return new DaemonProcess(
            dir.resolve("store"), dir.resolve("run/snapshotter.sock"), dir.resolve("daemon.log"))
        .withDaemonOptions(options);
  }

  /** What the kubelet's plugin watcher would pick up: sockets not named with a leading dot. */
  List<Path> registrationSockets() throws IOException {
    try (Stream<Path> files = Files.list(registry)) {
      return files.filter(f -> !f.getFileName().toString().startsWith(".")).toList();
    }
  }

  String log() throws IOException {
    return Files.readString(dir.resolve("daemon.log"));
  }

  @Test
  void theKubeletFindsThePluginAndIsToldWhereItsCsiSocketIs() throws Exception {
    daemon =
        daemon(
                "--csi-address",
                csiSocket.toString(),
                "--node-id",
                NODE,
                "--kubelet-registration-dir",
                registry.toString())
            .start();

    assertThat(registrationSockets())
        .containsExactly(registry.resolve("workspace.layercache.dev-reg.sock"));
    Path socket = registrationSockets().get(0);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
        .isEqualTo("rw-------");
    assertThat(log()).contains("(registered through " + socket + ")");

    try (CsiChannel kubelet = new CsiChannel(socket)) {
      RegistrationGrpc.RegistrationBlockingStub registration =
          RegistrationGrpc.newBlockingStub(kubelet.channel())
              .withDeadlineAfter(60, TimeUnit.SECONDS);
      PluginInfo info = registration.getInfo(InfoRequest.getDefaultInstance());
      assertThat(info.getType()).isEqualTo("CSIPlugin");
      assertThat(info.getName()).isEqualTo("workspace.layercache.dev");
      assertThat(info.getEndpoint()).isEqualTo(csiSocket.toString());
      // The kubelet takes the highest 1.x it is offered and refuses anything else.
      assertThat(info.getSupportedVersionsList()).isNotEmpty().allMatch(v -> v.startsWith("1."));

      // The kubelet's CSI handler asks the endpoint for the node ID before it accepts.
      try (CsiChannel csi = new CsiChannel(Path.of(info.getEndpoint()))) {
        assertThat(
                NodeGrpc.newBlockingStub(csi.channel())
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .nodeGetInfo(NodeGetInfoRequest.getDefaultInstance())
                    .getNodeId())
            .isEqualTo(NODE);
      }

      // A refusal is logged with the kubelet's reason; the same one again right after is not.
      String reason = "validation failed for CSI Driver " + UUID.randomUUID();
      for (int i = 0; i < 2; i++) {
        registration.notifyRegistrationStatus(
            RegistrationStatus.newBuilder().setPluginRegistered(false).setError(reason).build());
      }
      registration.notifyRegistrationStatus(
          RegistrationStatus.newBuilder().setPluginRegistered(true).build());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> log().contains("the kubelet registered CSI driver workspace.layercache.dev"));
      assertThat(log().lines().filter(l -> l.contains(reason)))
          .singleElement()
          .satisfies(
              line ->
                  assertThat(line)
                      .contains("ERROR")
                      .contains("the kubelet did not register CSI driver workspace.layercache.dev")
                      .contains(csiSocket.toString()));
    }

    // The kubelet deregisters the driver when the socket goes: it must not outlive the daemon.
    assertThat(daemon.stop()).isZero();
    assertThat(registrationSockets()).isEmpty();
    assertThat(csiSocket).doesNotExist();
  }

  @Test
  void aSocketLeftByAKilledDaemonIsReplacedByTheNextOne() throws Exception {
    String[] options = {
      "--csi-address", csiSocket.toString(), "--kubelet-registration-dir", registry.toString()
    };
    daemon = daemon(options).start();
    daemon.kill9();
    assertThat(registrationSockets()).as("left behind by kill -9").hasSize(1);

    daemon = daemon(options).start();
    try (CsiChannel kubelet = new CsiChannel(registrationSockets().get(0))) {
      assertThat(
              RegistrationGrpc.newBlockingStub(kubelet.channel())
                  .withDeadlineAfter(60, TimeUnit.SECONDS)
                  .getInfo(InfoRequest.getDefaultInstance())
                  .getEndpoint())
          .isEqualTo(csiSocket.toString());
    }
    assertThat(daemon.stop()).isZero();
    assertThat(registrationSockets()).isEmpty();
  }

  @Test
  void aRegistryThatIsNotThereIsRefusedBeforeAnythingStarts() throws Exception {
    Path missing = dir.resolve("elsewhere/plugins_registry");
    assertThatThrownBy(
            () ->
                daemon(
                        "--csi-address",
                        csiSocket.toString(),
                        "--kubelet-registration-dir",
                        missing.toString())
                    .start())
        .hasMessageContaining("--kubelet-registration-dir " + missing + " is not a directory");
    assertThat(csiSocket).doesNotExist();
    assertThatThrownBy(() -> daemon("--kubelet-registration-dir", registry.toString()).start())
        .hasMessageContaining("--kubelet-registration-dir needs --csi-address");
    assertThat(registrationSockets()).isEmpty();
  }
}
