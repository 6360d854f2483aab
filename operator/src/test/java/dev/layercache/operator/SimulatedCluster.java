package dev.layercache.operator;

import dev.layercache.api.testing.Edits;
import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.RenderedDeploy;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.operator.support.Nodes;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.awaitility.Awaitility;

/**
 * A cluster in a box: the JVM's real control plane ({@link KubeControlPlane}) with deploy/
 * installed, Node objects, one {@link FakeAgent} per node, and the operator wired as Main wires it
 * (leader election off), authenticated as deploy/'s operator ServiceAccount, never as admin.
 *
 * <p>Nodes, LayerCaches and NodeCaches are cluster-scoped, so test classes cannot isolate by
 * namespace: each test starts on an empty cluster and {@link #close} deletes what it made. Tests in
 * one JVM run one after another (the failsafe default).
 */
public final class SimulatedCluster implements AutoCloseable {
  static final Duration PULL_TIME = Duration.ofMillis(300);

  static final String NAMESPACE = "layercache-system";
  static final String SERVICE_ACCOUNT = "layercache-operator";
  private static final Duration CLEAN_UP = Duration.ofSeconds(60);

  final KubeControlPlane plane = new KubeControlPlane();

  /** Admin: what the tests and the fake agents use to arrange and observe. */
  final KubernetesClient client;

  final PullLog pulls = new PullLog();
  final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final KubernetesClient operatorClient;
  private final Map<String, FakeAgent> agents = new HashMap<>();
  private LayercacheOperator operator;
  private volatile String registryBug;

  SimulatedCluster() throws IOException {
    client = plane.admin();
    RenderedDeploy.install(plane);
    deleteAll();
    // Workspaces here live in default; deploy/ lets the operator read Secrets only in its own.
    RenderedDeploy.grantSecretReads(client, "default", SERVICE_ACCOUNT);
    operatorClient = plane.serviceAccountClient(NAMESPACE, SERVICE_ACCOUNT);
  }

  /** A kubeconfig with a token of the operator's ServiceAccount, for Main run as a process. */
  Path operatorKubeconfig() {
    return plane.kubeconfigWithToken(plane.serviceAccountToken(NAMESPACE, SERVICE_ACCOUNT));
  }

  /** Starts the operator against this cluster, resolving through {@code registry}'s config. */
  SimulatedCluster startOperator(RegistryExtension registry) {
    OperatorConfig config =
        new OperatorConfig(
            0,
            Optional.empty(),
            Set.of(),
            NAMESPACE + "/" + SERVICE_ACCOUNT,
            Duration.ofMillis(500),
            Duration.ofSeconds(2));
    operator =
        new LayercacheOperator(
            operatorClient,
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
    Edits.retryingConflicts(
        client.nodes().withName(node),
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
    operatorClient.close();
    deleteAll();
  }

  /**
   * Deletes every object of ours a test made, and waits until they are gone: finalizers are dropped
   * first, since no operator is left to remove them.
   */
  private void deleteAll() {
    for (Class<? extends HasMetadata> type :
        List.of(OverlayWorkspace.class, LayerCache.class, NodeCache.class)) {
      for (HasMetadata item : client.resources(type).inAnyNamespace().list().getItems()) {
        if (item.getMetadata().getFinalizers() != null
            && !item.getMetadata().getFinalizers().isEmpty()) {
          client
              .resource(item)
              .edit(
                  i -> {
                    i.getMetadata().setFinalizers(List.of());
                    return i;
                  });
        }
        client.resource(item).delete();
      }
    }
    client.nodes().delete();
    // Events about cluster-scoped objects and the tests' workspaces are all in default.
    client.v1().events().inNamespace("default").delete();
    Awaitility.await()
        .atMost(CLEAN_UP)
        .ignoreExceptions()
        .until(
            () ->
                client.nodes().list().getItems().isEmpty()
                    && client.resources(NodeCache.class).list().getItems().isEmpty()
                    && client.resources(LayerCache.class).list().getItems().isEmpty()
                    && client
                        .resources(OverlayWorkspace.class)
                        .inAnyNamespace()
                        .list()
                        .getItems()
                        .isEmpty());
  }
}
