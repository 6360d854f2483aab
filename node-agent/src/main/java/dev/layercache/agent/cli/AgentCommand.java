package dev.layercache.agent.cli;

import dev.layercache.agent.cluster.AgentMetrics;
import dev.layercache.agent.cluster.NodeAgent;
import dev.layercache.agent.cluster.NodeCacheWorkspaces;
import dev.layercache.agent.cluster.RegistryClients;
import dev.layercache.agent.csi.CsiPlugin;
import dev.layercache.agent.csi.VolumePublisher;
import dev.layercache.agent.daemon.UnixSocketGrpcServer;
import dev.layercache.agent.store.DiskBudget;
import dev.layercache.agent.store.ImagePuller;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.PullListener;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.api.v1alpha1.GoDuration;
import dev.layercache.kube.HealthServer;
import dev.layercache.kube.PullSecrets;
import dev.layercache.kube.Shutdown;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Platform;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.BindableService;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code layercache agent}: the in-cluster loop of the DaemonSet. */
@Command(
    name = "agent",
    description = "Run the in-cluster agent: converge this node to its NodeCache and report.")
final class AgentCommand implements Callable<Integer> {
  /**
   * How long closing may take after SIGTERM: fetches are cut short within seconds; under the
   * kubelet's default 30 s grace, so the agent exits before it is killed.
   */
  private static final Duration SHUTDOWN_BOUND = Duration.ofSeconds(25);

  @ParentCommand LayercacheCommand cli;

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
      names = "--csi-address",
      paramLabel = "SOCKET",
      description =
          "Serve the CSI node plugin workspace.layercache.dev on this unix socket (the one"
              + " node-driver-registrar registers); not served without it.")
  Path csiAddress;

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
    // Before anything starts: a SIGTERM from here on closes all of it below, in reverse order.
    Shutdown shutdown = Shutdown.onSignals(SHUTDOWN_BOUND);
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics.config().commonTags("node", nodeName);
    String version = new LayercacheCommand.Version().getVersion()[0];
    ExecutorService volumePulls = Executors.newFixedThreadPool(2);
    try (KubernetesClient kube = new KubernetesClientBuilder().build();
        LayerStore store = LayerStore.open(cli.root);
        AutoCloseable stopPulls = volumePulls::shutdownNow) {
      WorkspaceManager workspaces = Workspaces.manager(store);
      try (NodeAgent agent =
              new NodeAgent(
                  kube,
                  nodeName,
                  store,
                  workspaces,
                  new RegistryClients(
                      new PullSecrets(kube, Set.of(), serviceAccount), cli.registry::client),
                  new DiskBudget(highWatermark),
                  new AgentMetrics(metrics),
                  Clock.systemUTC(),
                  version,
                  duration(statusInterval),
                  duration(resyncInterval));
          HealthServer server = new HealthServer(metricsPort, metrics, agent::healthy)) {
        agent.start(); // recovers the workspaces first: the kubelet's volumes are found again
        try (UnixSocketGrpcServer csi =
            csiAddress == null ? null : startCsi(kube, store, workspaces, volumePulls, version)) {
          shutdown.await();
        }
      }
    }
    return 0;
  }

  /** Inline volumes pull with the node's registry settings; named ones come from the NodeCache. */
  private UnixSocketGrpcServer startCsi(
      KubernetesClient kube,
      LayerStore store,
      WorkspaceManager workspaces,
      ExecutorService pulls,
      String version)
      throws IOException {
    ImagePuller images =
        new ImagePuller(
            cli.registry.client(), store, new DiskBudget(highWatermark), pulls, Clock.systemUTC());
    VolumePublisher publisher =
        new VolumePublisher(
            workspaces,
            image -> images.ensure(ImageReference.parse(image), Platform.host(), PullListener.NONE),
            new NodeCacheWorkspaces(kube, nodeName, workspaces));
    return UnixSocketGrpcServer.start(
        csiAddress,
        CsiPlugin.services(publisher, nodeName, version).toArray(BindableService[]::new));
  }

  private static Duration duration(String value) {
    try {
      return GoDuration.parse(value);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("not a duration like 500ms, 10s or 1m: " + value);
    }
  }
}
