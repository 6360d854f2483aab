package dev.layercache.agent.cli;

import dev.layercache.agent.daemon.NodeDaemon;
import dev.layercache.agent.store.DiskBudget;
import dev.layercache.kube.Shutdown;
import dev.layercache.oci.Platform;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache daemon}: the node daemon with no cluster, until SIGTERM. */
@Command(
    name = "daemon",
    description =
        "Run the node daemon: the store's one writer, serving containerd's snapshotter API, the"
            + " CLI's writing commands on this root and, with --csi-address, the CSI node plugin"
            + " workspace.layercache.dev, registered with the kubelet. Stops on SIGTERM or SIGINT (exit 0).")
final class DaemonCommand implements Callable<Integer> {
  /** How long closing may take after SIGTERM: the gRPC server waits at most 3 s for calls. */
  private static final Duration SHUTDOWN_BOUND = Duration.ofSeconds(30);

  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Option(
      names = "--snapshotter-address",
      paramLabel = "SOCKET",
      defaultValue = "/run/layercache/snapshotter.sock",
      description = "Unix socket for containerd's proxy_plugins entry (default: ${DEFAULT-VALUE}).")
  Path snapshotterAddress;

  @Mixin CsiOptions csi;

  @Option(
      names = "--node-id",
      paramLabel = "NODE",
      description = "The node's name as the kubelet knows it, for CSI (default: the host name).")
  String nodeId;

  @Option(
      names = "--high-watermark",
      defaultValue = "0.90",
      description = "Refuse fetches past this fraction of the disk (default: ${DEFAULT-VALUE}).")
  double highWatermark;

  @Override
  public Integer call() throws Exception {
    Path registrationDir = csi.registrationDir();
    // Before anything starts: a SIGTERM from here on closes all of it below, in reverse order.
    Shutdown shutdown = Shutdown.onSignals(SHUTDOWN_BOUND);
    PrintWriter err = spec.commandLine().getErr();
    try (NodeDaemon daemon =
        NodeDaemon.start(
            new NodeDaemon.Config(
                cli.root,
                snapshotterAddress,
                cli.registry.client(),
                new DiskBudget(highWatermark),
                Platform.host(),
                4,
                LayercacheCommand::runInDaemon,
                csi.address == null
                    ? null
                    : new NodeDaemon.Csi(
                        csi.address,
                        nodeId != null ? nodeId : InetAddress.getLocalHost().getHostName(),
                        new LayercacheCommand.Version().getVersion()[0],
                        null,
                        registrationDir)))) {
      daemon.recovery().lines().forEach(line -> err.println("layercache: " + line));
      err.println(
          "layercache: daemon on "
              + daemon.store().layout().root()
              + ", snapshotter on "
              + snapshotterAddress
              + ", CLI on "
              + daemon.store().layout().daemonSocket()
              + csi.describe(registrationDir));
      err.flush();
      shutdown.await();
    }
    return 0;
  }
}
