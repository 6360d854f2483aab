package dev.layercache.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * End to end on a real Kubernetes (k3s in Docker): the API server itself enforces the CRDs' schemas
 * and CEL rules, and, when the images were built ({@code ./mvnw -Pimage package}), the operator and
 * the agent run in it and the agent reports on its node. Skipped where no Docker engine runs (as on
 * the machines this project is built on).
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sE2E {
  static final Path REPO =
      Path.of(System.getenv().getOrDefault("LAYERCACHE_REPO_ROOT", "..")).toAbsolutePath();

  @Container
  static final K3sContainer k3s =
      new K3sContainer(DockerImageName.parse("rancher/k3s:v1.31.5-k3s1"));

  static KubernetesClient client;

  @BeforeAll
  static void installCrds() throws IOException {
    client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml()))
            .build();
    try (Stream<Path> files = Files.list(REPO.resolve("crds"))) {
      for (Path crd : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        try (InputStream in = Files.newInputStream(crd)) {
          CustomResourceDefinition created =
              client.apiextensions().v1().customResourceDefinitions().load(in).create();
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .withName(created.getMetadata().getName())
              .waitUntilCondition(
                  c ->
                      c.getStatus() != null
                          && c.getStatus().getConditions().stream()
                              .anyMatch(
                                  x ->
                                      x.getType().equals("Established")
                                          && x.getStatus().equals("True")),
                  60,
                  java.util.concurrent.TimeUnit.SECONDS);
        }
      }
    }
  }

  @AfterAll
  static void close() {
    if (client != null) {
      client.close();
    }
  }

  @Test
  void theApiServerAcceptsTheExamplesAndEnforcesTheRules() throws IOException {
    client.namespaces().resource(namespace("team")).create();
    for (String example : List.of("layercache.yaml", "overlayworkspace.yaml", "nodecache.yaml")) {
      try (InputStream in =
          Files.newInputStream(REPO.resolve("deploy/examples").resolve(example))) {
        List<HasMetadata> objects = client.load(in).items();
        objects.forEach(o -> client.resource(o).create());
      }
    }
    String broken =
        """
        apiVersion: layercache.dev/v1alpha1
        kind: OverlayWorkspace
        metadata: {name: broken, namespace: team}
        spec: {image: busybox:1, nodeName: a, nodeSelector: {matchLabels: {pool: build}}}
        """;
    assertThatThrownBy(() -> client.resource(broken).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("set nodeName or nodeSelector, not both");

    OverlayWorkspace example =
        client.resources(OverlayWorkspace.class).inAnyNamespace().list().getItems().get(0);
    example.getSpec().setImage("busybox:other");
    assertThatThrownBy(() -> client.resource(example).update())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("image is immutable");
  }

  @Test
  void theOperatorAndTheAgentRunAndTheAgentReportsOnItsNode() throws Exception {
    Path operatorImage = REPO.resolve("operator/target/jib-image.tar");
    Path agentImage = REPO.resolve("node-agent/target/jib-image.tar");
    Assumptions.assumeTrue(
        Files.exists(operatorImage) && Files.exists(agentImage),
        "build the images first: ./mvnw -Pimage -pl node-agent,operator -am package -DskipTests");
    for (Path image : List.of(operatorImage, agentImage)) {
      k3s.copyFileToContainer(
          MountableFile.forHostPath(image),
          "/tmp/" + image.getParent().getParent().getFileName() + ".tar");
    }
    for (String name : List.of("operator", "node-agent")) {
      ExecResult imported =
          k3s.execInContainer("ctr", "-n", "k8s.io", "images", "import", "/tmp/" + name + ".tar");
      assertThat(imported.getExitCode()).as(imported.getStderr()).isZero();
    }
    k3s.copyFileToContainer(
        MountableFile.forHostPath(REPO.resolve("deploy")), "/layercache/deploy");
    k3s.copyFileToContainer(MountableFile.forHostPath(REPO.resolve("crds")), "/layercache/crds");
    ExecResult applied = k3s.execInContainer("kubectl", "apply", "-k", "/layercache/deploy");
    assertThat(applied.getExitCode()).as(applied.getStderr()).isZero();

    String node = client.nodes().list().getItems().get(0).getMetadata().getName();
    await()
        .atMost(Duration.ofMinutes(3))
        .until(
            () -> {
              NodeCache nc = client.resources(NodeCache.class).withName(node).get();
              return nc != null
                  && nc.getStatus() != null
                  && nc.getStatus().getLastSyncTime() != null;
            });
    NodeCache reported = client.resources(NodeCache.class).withName(node).get();
    assertThat(reported.getStatus().getDisk().getCapacityBytes()).isPositive();
  }

  private static io.fabric8.kubernetes.api.model.Namespace namespace(String name) {
    return new io.fabric8.kubernetes.api.model.NamespaceBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .build();
  }
}
