package dev.layercache.operator;

import dev.layercache.api.testing.MockApiServer;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.operator.support.Nodes;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A cluster in a box: fabric8's CRUD mock API server with the generated CRDs installed, Node
 * objects, one {@link FakeAgent} per node, and the operator wired as Main wires it (leader election
 * off).
 */
public final class SimulatedCluster implements AutoCloseable {
  static final Duration PULL_TIME = Duration.ofMillis(300);

  final KubernetesClient client;
  final PullLog pulls = new PullLog();
  final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final MockApiServer server;
  private final Map<String, FakeAgent> agents = new HashMap<>();
  private LayercacheOperator operator;
  private volatile String registryBug;

  SimulatedCluster() throws IOException {
    server = new MockApiServer();
    client = server.client();
  }

  /** Starts the operator against this cluster, resolving through {@code registry}'s config. */
  SimulatedCluster startOperator(RegistryExtension registry) {
    OperatorConfig config =
        new OperatorConfig(
            0,
            Optional.empty(),
            Set.of(),
            "layercache-system/layercache-operator",
            Duration.ofMillis(500),
            Duration.ofSeconds(2));
    operator =
        new LayercacheOperator(
            client,
            config,
            meters,
            credentials -> {
              if (registryBug != null) {
                throw new IllegalStateException(registryBug);
              }
              return new HttpRegistryClient(
                  registry.configBuilder().credentials(credentials).build());
            },
            Clock.systemUTC());
    return this;
  }

  /**
   * While {@code bug} is not null, making a registry client throws it: a failure no reconcile step
   * handles, as a bug would be.
   */
  void breakRegistryClients(String bug) {
    registryBug = bug;
  }

  /** Creates a Node with these labels (plus linux/amd64) and starts its agent. */
  Node addNode(String name, Map<String, String> labels) {
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .addToLabels(Nodes.OS_LABEL, "linux")
            .addToLabels(Nodes.ARCH_LABEL, "amd64")
            .addToLabels(labels)
            .endMetadata()
            .build();
    Node created = client.resource(node).create();
    agents.put(name, new FakeAgent(client, name, pulls, PULL_TIME));
    return created;
  }

  void label(String node, String key, String value) {
    client
        .nodes()
        .withName(node)
        .edit(
            n -> {
              n.getMetadata().getLabels().put(key, value);
              return n;
            });
  }

  void deleteNode(String name) {
    agents.remove(name).close();
    client.nodes().withName(name).delete();
  }

  LayercacheOperator operator() {
    return operator;
  }

  FakeAgent agent(String node) {
    return agents.get(node);
  }

  LayerCache layerCache(String name) {
    return client.resources(LayerCache.class).withName(name).get();
  }

  NodeCache nodeCache(String name) {
    return client.resources(NodeCache.class).withName(name).get();
  }

  OverlayWorkspace workspace(String namespace, String name) {
    return client.resources(OverlayWorkspace.class).inNamespace(namespace).withName(name).get();
  }

  List<Event> events() {
    return client.v1().events().inAnyNamespace().list().getItems();
  }

  @Override
  public void close() {
    if (operator != null) {
      operator.close();
    }
    agents.values().forEach(FakeAgent::close);
    server.close();
  }
}
