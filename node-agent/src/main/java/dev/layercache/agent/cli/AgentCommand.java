package dev.layercache.agent.cli;

import dev.layercache.agent.cluster.AgentMetrics;
import dev.layercache.agent.cluster.NodeAgent;
import dev.layercache.agent.cluster.NodeCacheWorkspaces;
import dev.layercache.agent.cluster.RegistryClients;
import dev.layercache.agent.cri.CriImageClient;
import dev.layercache.agent.daemon.NodeDaemon;
import dev.layercache.agent.store.DiskBudget;
import dev.layercache.api.v1alpha1.GoDuration;
import dev.layercache.kube.HealthServer;
import dev.layercache.kube.PullSecrets;
import dev.layercache.kube.Shutdown;
import dev.layercache.oci.Platform;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code layercache agent}: what the DaemonSet runs, the node daemon ({@link NodeDaemon}) plus the
 * cluster loop ({@link NodeAgent}) on the daemon's store and workspaces.
 */
@Command(
    name = "agent",
    description =
        "Run the in-cluster agent: the node daemon (the store's one writer, serving the CLI's"
            + " writing commands on this root and, when given their sockets, containerd's"
            + " snapshotter API and the CSI node plugin) plus the loop that converges this node to"
            + " its NodeCache and reports. Stops on SIGTERM or SIGINT (exit 0).")
final class AgentCommand implements Callable<Integer> {
  /**
   * How long closing may take after SIGTERM: fetches are cut short within seconds; under the
   * kubelet's default 30 s grace, so the agent exits before it is killed.
   */
  private static final Duration SHUTDOWN_BOUND = Duration.ofSeconds(25);

  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Option(
      names = "--node-name",
      defaultValue = "${env:NODE_NAME}",
      description = "This node's name (default: $NODE_NAME, from the downward API).")
  String nodeName;

  @Option(
      names = "--metrics-port",
      defaultValue = "${env:LAYERCACHE_METRICS_PORT:-9090}",
      description = "Port of /metrics and /healthz (default: $LAYERCACHE_METRICS_PORT, else 9090).")
  int metricsPort;

  @Option(
      names = "--status-interval",
      defaultValue = "1s",
      description = "Shortest time between two status writes (default: ${DEFAULT-VALUE}).")
  String statusInterval;

  @Option(
      names = "--resync-interval",
      defaultValue = "10s",
      description =
          "Longest time between two syncs, e.g. to refresh upper sizes (default: ${DEFAULT-VALUE}).")
  String resyncInterval;

  @Option(
      names = "--service-account",
      defaultValue =
          "${env:POD_NAMESPACE:-layercache-system}/${env:SERVICE_ACCOUNT:-layercache-agent}",
      description =
          "This agent's ServiceAccount as namespace/name, named when a pull secret is forbidden"
              + " (default: $POD_NAMESPACE/$SERVICE_ACCOUNT, else ${DEFAULT-VALUE}).")
  String serviceAccount;

  @Option(
      names = "--snapshotter-address",
      paramLabel = "SOCKET",
      description =
          "Serve containerd's snapshotter API on this unix socket (its proxy_plugins entry);"
              + " not served without it.")
  Path snapshotterAddress;

  @Mixin CsiOptions csi;

  @Option(
      names = "--cri-address",
      paramLabel = "SOCKET",
      description =
          "The container runtime's CRI socket (containerd: /run/containerd/containerd.sock). Each"
              + " image whose layers are all on the node is then pulled through CRI once per"
              + " digest, with its pull secrets, so the kubelet finds it present; with layercache as"
              + " containerd's snapshotter only its manifest and config travel.")
  Path criAddress;

  @Option(
      names = "--cri-runtime-handler",
      paramLabel = "NAME",
      description =
          "Pull for this runtime handler (a RuntimeClass's handler, e.g. layercache): containerd"
              + " 2.x then unpacks into that handler's snapshotter. Default: the runtime's default"
              + " handler.")
  String criRuntimeHandler;

  @Option(
      names = "--cri-pull",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "With --cri-address, make warm images present in the runtime (default: ${DEFAULT-VALUE};"
              + " --no-cri-pull turns it off).")
  boolean criPull;

  @Option(
      names = "--high-watermark",
      defaultValue = "0.90",
      description = "Refuse pulls past this fraction of the disk (default: ${DEFAULT-VALUE}).")
  double highWatermark;

  @Override
  public Integer call() throws Exception {
    if (nodeName == null || nodeName.isBlank()) {
      throw new BadInputException("no node name: set --node-name or NODE_NAME");
    }
    if (criRuntimeHandler != null && criAddress == null) {
      throw new BadInputException("--cri-runtime-handler needs --cri-address");
    }
    Path registrationDir = csi.registrationDir();
    // Before anything starts: a SIGTERM from here on closes all of it below, in reverse order.
    Shutdown shutdown = Shutdown.onSignals(SHUTDOWN_BOUND);
    PrintWriter err = spec.commandLine().getErr();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics.config().commonTags("node", nodeName);
    String version = new LayercacheCommand.Version().getVersion()[0];
    DiskBudget budget = new DiskBudget(highWatermark);
    // The client outlives the daemon: the CSI plugin reads the NodeCache until it stops.
    try (KubernetesClient kube = new KubernetesClientBuilder().build();
        NodeDaemon daemon =
            NodeDaemon.start(
                new NodeDaemon.Config(
                    cli.root,
                    snapshotterAddress,
                    cli.registry.client(),
                    budget,
                    Platform.host(),
                    4,
                    LayercacheCommand::runInDaemon,
                    csi.address == null
                        ? null
                        : new NodeDaemon.Csi(
                            csi.address,
                            nodeName,
                            version,
                            workspaces -> new NodeCacheWorkspaces(kube, nodeName, workspaces),
                            registrationDir)))) {
      daemon.recovery().lines().forEach(line -> err.println("layercache: " + line));
      // Added before the loop, so it is closed after it.
      CriImageClient runtime =
          criAddress == null || !criPull
              ? null
              : daemon.add("CRI client", new CriImageClient(criAddress, criRuntimeHandler));
      NodeAgent agent =
          daemon.add(
              "cluster loop",
              new NodeAgent(
                  kube,
                  nodeName,
                  daemon.store(),
                  daemon.workspaces(),
                  new RegistryClients(
                      new PullSecrets(kube, Set.of(), serviceAccount), cli.registry::client),
                  budget,
                  new AgentMetrics(metrics),
                  Clock.systemUTC(),
                  version,
                  duration(statusInterval),
                  duration(resyncInterval),
                  runtime));
      daemon.add("metrics and health", new HealthServer(metricsPort, metrics, agent::healthy));
      agent.start();
      err.println(
          "layercache: agent of node "
              + nodeName
              + " on "
              + daemon.store().layout().root()
              + (snapshotterAddress == null ? "" : ", snapshotter on " + snapshotterAddress)
              + (runtime == null
                  ? ""
                  : ", warm images pulled through CRI at "
                      + criAddress
                      + (criRuntimeHandler == null ? "" : " for handler " + criRuntimeHandler))
              + ", CLI on "
              + daemon.store().layout().daemonSocket()
              + csi.describe(registrationDir));
      err.flush();
      shutdown.await();
    }
    return 0;
  }

  private static Duration duration(String value) {
    try {
      return GoDuration.parse(value);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("not a duration like 500ms, 10s or 1m: " + value);
    }
  }
}
