package dev.layercache.e2e;

import dev.layercache.agent.cluster.AgentMetrics;
import dev.layercache.agent.cluster.NodeAgent;
import dev.layercache.agent.cluster.RegistryClients;
import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.OverlayMounter;
import dev.layercache.agent.store.DiskBudget;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.WorkspaceInfo;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.api.testing.Edits;
import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.RenderedDeploy;
import dev.layercache.kube.PullSecrets;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.operator.LayercacheOperator;
import dev.layercache.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A cluster in a box with the real parts: the JVM's real control plane ({@link KubeControlPlane})
 * with deploy/ installed, the real operator, and one real node agent per Node, each with its own
 * store root, pulling from the real registry and mounting real overlays. The operator and the
 * agents authenticate as deploy/'s ServiceAccounts (an agent's token bound to a pod on its node),
 * never as admin; the test arranges and observes as admin.
 */
final class RealCluster implements AutoCloseable {
  final KubeControlPlane plane = new KubeControlPlane();

  /** Admin. */
  final KubernetesClient client;

  /** The clients of the operator and the agents, closed with the cluster. */
  private final List<KubernetesClient> identities = new ArrayList<>();

  private final RegistryExtension registry;
  private final Path roots;
  private final Map<String, Agent> agents = new LinkedHashMap<>();
  private final LayercacheOperator operator;

  /** One node's agent and its store. */
  record Agent(NodeAgent agent, LayerStore store, WorkspaceManager workspaces) {}

  /** A namespace for workspaces. */
  void namespace(String name) {
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .fieldManager(KubeControlPlane.FIELD_MANAGER)
        .serverSideApply();
  }

  private KubernetesClient identity(KubernetesClient client) {
    identities.add(client);
    return client;
  }

  RealCluster(RegistryExtension registry, Path roots) throws IOException {
    this.registry = registry;
    this.roots = roots;
    client = plane.admin();
    RenderedDeploy.install(plane);
    operator =
        new LayercacheOperator(
            identity(plane.serviceAccountClient("layercache-system", "layercache-operator")),
            new OperatorConfig(
                0,
                Optional.empty(),
                Set.of(),
                "layercache-system/layercache-operator",
                Duration.ofMillis(500),
                Duration.ofSeconds(2)),
            new SimpleMeterRegistry(),
            credentials ->
                new HttpRegistryClient(registry.configBuilder().credentials(credentials).build()),
            Clock.systemUTC());
  }

  /** Creates a linux/amd64 Node with these labels and starts its agent. */
  void addNode(String name, Map<String, String> labels) throws IOException {
    client
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("kubernetes.io/os", "linux")
                .addToLabels("kubernetes.io/arch", "amd64")
                .addToLabels(labels)
                .endMetadata()
                .build())
        .create();
    LayerStore store = LayerStore.open(roots.resolve(name));
    KernelFeatures kernel = KernelFeatures.get();
    WorkspaceManager workspaces =
        new WorkspaceManager(
            store, new OverlayMounter(kernel, store.layout().links()), kernel, Clock.systemUTC());
    workspaces.recover(); // as the daemon does before the agent starts
    KubernetesClient agentClient =
        identity(plane.podBoundClient("layercache-system", "layercache-agent", name));
    NodeAgent agent =
        new NodeAgent(
            agentClient,
            name,
            store,
            workspaces,
            new RegistryClients(
                new PullSecrets(agentClient, Set.of(), "layercache-system/layercache-agent"),
                credentials ->
                    new HttpRegistryClient(
                        registry.configBuilder().credentials(credentials).build())),
            DiskBudget.defaults(),
            new AgentMetrics(new SimpleMeterRegistry()),
            Clock.systemUTC(),
            "e2e",
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            null);
    agent.start();
    agents.put(name, new Agent(agent, store, workspaces));
  }

  void label(String node, String key, String value) {
    Edits.retryingConflicts(
        client.nodes().withName(node),
        n -> {
          n.getMetadata().getLabels().put(key, value);
          return n;
        });
  }

  Agent agent(String node) {
    return agents.get(node);
  }

  @Override
  public void close() throws IOException {
    operator.close();
    for (Agent agent : agents.values()) {
      agent.agent().close();
      // Leave no mount behind, whatever the test did.
      for (WorkspaceInfo ws : agent.workspaces().list()) {
        agent
            .workspaces()
            .remove(
                ws.record().name(), ws.record().owner(), WorkspaceManager.UpperPolicy.DELETE, true);
      }
      agent.store().close();
    }
    identities.forEach(KubernetesClient::close);
  }
}
