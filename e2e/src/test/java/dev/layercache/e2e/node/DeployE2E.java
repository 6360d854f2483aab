package dev.layercache.e2e.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.store.StoreLayout;
import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.KubeNode;
import dev.layercache.oci.Compression;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * deploy/ as a user installs it, on the real node: the operator and agent images jib built (on the
 * Debian Java base image of scripts/java-base-image.sh) are pushed to a loopback registry, {@code
 * kubectl apply -f crds/ && kubectl apply -k} an overlay of {@code e2e/deploy/local-node} starts
 * them as the real Deployment and DaemonSet pods, and a LayerCache warms the node. The steps build
 * on each other, in order.
 *
 * <p>The agent's store is not the one containerd's snapshots come from (the daemon of
 * scripts/local-node.sh holds that one): the agent does not embed the daemon yet.
 */
@ExtendWith(KubeNode.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployE2E {
  static final String NAMESPACE = "layercache-system";
  static final String TAG = "e2e";

  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  static Path work;
  static Path overlay;
  static StoreLayout agentStore;
  static TestImage app;
  static TestImage other;
  static KubeNode node;

  @BeforeAll
  static void pushImagesAndWriteOverlay(KubeNode kubeNode) throws Exception {
    node = kubeNode;
    Path repo = KubeControlPlane.repoRoot();
    List<Path> tarballs =
        List.of(
            repo.resolve("operator/target/jib-image.tar"),
            repo.resolve("node-agent/target/jib-image.tar"));
    List<Path> missing = tarballs.stream().filter(t -> !Files.isRegularFile(t)).toList();
    if (!missing.isEmpty()) {
      String message =
          "images not built: "
              + missing
              + " (scripts/test.sh builds them: ./mvnw -Pimage package"
              + " -Djib.from.image=tar://$(scripts/java-base-image.sh))";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(message);
      }
      Assumptions.abort(message);
    }
    push(tarballs.get(0), "layercache/operator");
    push(tarballs.get(1), "layercache/node-agent");
    node.trustRegistry(registry.host());

    work = Files.createTempDirectory("layercache-deploy-e2e-");
    agentStore = new StoreLayout(Files.createTempDirectory(node.hostDir(), "agent-store-"));
    overlay = Files.createDirectories(work.resolve("overlay"));
    int apiPort = URI.create(node.admin().getConfiguration().getMasterUrl()).getPort();
    Files.writeString(overlay.resolve("kustomization.yaml"), overlay(repo, apiPort));
  }

  @AfterAll
  static void removeWork() {
    // The agent's store goes with the node's directory.
    if (work != null) {
      KubeNode.command(List.of("rm", "-rf", work.toString()), 60);
    }
  }

  /** The part of the overlay that differs per run: the registry, the API server, the store. */
  private static String overlay(Path repo, int apiPort) {
    String env =
        "      - {op: add, path: /spec/template/spec/containers/0/env/-,"
            + " value: {name: KUBERNETES_SERVICE_HOST, value: \"127.0.0.1\"}}\n"
            + "      - {op: add, path: /spec/template/spec/containers/0/env/-,"
            + " value: {name: KUBERNETES_SERVICE_PORT, value: \""
            + apiPort
            + "\"}}\n";
    String store = agentStore.root().toString();
    return "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        + "kind: Kustomization\n"
        // kustomize takes a base only as a relative path
        + "resources:\n  - "
        + overlay.relativize(repo.resolve("e2e/deploy/local-node"))
        + "\nimages:\n"
        + "  - {name: layercache/operator, newName: "
        + registry.host()
        + "/layercache/operator, newTag: "
        + TAG
        + "}\n"
        + "  - {name: layercache/node-agent, newName: "
        + registry.host()
        + "/layercache/node-agent, newTag: "
        + TAG
        + "}\n"
        + "patches:\n"
        + "  - target: {kind: Deployment, name: layercache-operator}\n    patch: |-\n"
        + env
        + "  - target: {kind: DaemonSet, name: layercache-agent}\n    patch: |-\n"
        + env
        // The store at the same path inside and out, as on a real node, but this test's own.
        + "      - {op: replace, path: /spec/template/spec/volumes/0/hostPath/path, value: "
        + store
        + "}\n"
        + "      - {op: replace, path: /spec/template/spec/containers/0/volumeMounts/0/mountPath,"
        + " value: "
        + store
        + "}\n"
        + "      - {op: replace, path: /spec/template/spec/containers/0/args, value: [--root, "
        + store
        + ", agent]}\n";
  }

  private static void push(Path tarball, String repository) {
    KubeNode.command(
        List.of(
            "skopeo",
            "copy",
            "-q",
            "--dest-tls-verify=false",
            "docker-archive:" + tarball,
            "docker://" + registry.host() + "/" + repository + ":" + TAG),
        300);
  }

  private static String kubectl(String... args) {
    return node.kubectl(args);
  }

  @Test
  @Order(1)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void installsAndThePodsBecomeReady(KubernetesClient admin) {
    Path repo = KubeControlPlane.repoRoot();
    // The CRDs are already there (KubeControlPlane applies them as another field manager).
    kubectl("apply", "--server-side", "--force-conflicts", "-f", repo.resolve("crds").toString());
    kubectl("apply", "--server-side", "--force-conflicts", "-k", overlay.toString());
    kubectl(
        "-n", NAMESPACE, "rollout", "status", "deployment/layercache-operator", "--timeout=240s");
    kubectl("-n", NAMESPACE, "rollout", "status", "daemonset/layercache-agent", "--timeout=240s");
    List<Pod> pods = admin.pods().inNamespace(NAMESPACE).list().getItems();
    assertThat(pods)
        .extracting(p -> p.getMetadata().getLabels().get("app.kubernetes.io/name"))
        .containsExactlyInAnyOrder("layercache-operator", "layercache-agent");
    assertThat(pods).allSatisfy(p -> assertThat(ready(p)).as(p.getMetadata().getName()).isTrue());
    assertThat(pods).allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo(node.name()));
  }

  @Test
  @Order(2)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aLayerCacheWarmsTheNode() throws Exception {
    byte[] tool = PodTool.build(Files.createDirectories(work.resolve("tool")));
    TarBuilder toolLayer = new TarBuilder().directory("bin").file("bin/tool", tool, 0755);
    app =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(toolLayer, Compression.GZIP)
            .layer(new TarBuilder().file("data/hello", "app\n"), Compression.GZIP)
            .build();
    other =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(toolLayer, Compression.GZIP)
            .layer(new TarBuilder().file("data/hello", "other\n"), Compression.GZIP)
            .build();
    ImageReference appRef = registry.reference("deploy-e2e/app:1");
    ImageReference otherRef = registry.reference("deploy-e2e/other:1");
    app.push(registry.client(), appRef);
    other.push(registry.client(), otherRef);
    Path layerCache = work.resolve("layercache.yaml");
    Files.writeString(
        layerCache,
        "apiVersion: layercache.dev/v1alpha1\n"
            + "kind: LayerCache\n"
            + "metadata: {name: deploy-e2e}\n"
            + "spec:\n"
            + "  images: ["
            + appRef
            + ", "
            + otherRef
            + "]\n"
            + "  nodeSelector:\n"
            + "    matchLabels: {kubernetes.io/hostname: "
            + node.name()
            + "}\n");
    kubectl("apply", "-f", layerCache.toString());

    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> assertThat(row(kubectl("get", "lc", "deploy-e2e"), "READY")).isEqualTo("1/1"));
    // The two images share their bottom layer: the node keeps it once.
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(row(kubectl("get", "nc", node.name()), "SAVED"))
                    .isNotBlank()
                    .isNotEqualTo("0")
                    .isNotEqualTo("<none>"));
    for (TestImage image : List.of(app, other)) {
      for (var diffId : image.diffIds()) {
        assertThat(agentStore.layers().resolve(diffId.hex())).isDirectory();
      }
    }
  }

  @Test
  @Order(3)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void restartingTheAgentKeepsRunningPodsAndLeaksNoMount(KubernetesClient admin) throws Exception {
    Pod running = runPod(admin, "survivor");
    Pod agent =
        admin
            .pods()
            .inNamespace(NAMESPACE)
            .withLabel("app.kubernetes.io/name", "layercache-agent")
            .list()
            .getItems()
            .get(0);
    String oldAgent = agent.getMetadata().getUid();
    List<String> mountsBefore = mounts(running.getMetadata().getUid());
    assertThat(mounts(oldAgent)).as("the agent pod's own mounts").isNotEmpty();

    kubectl("-n", NAMESPACE, "delete", "pod", agent.getMetadata().getName(), "--wait=true");
    kubectl("-n", NAMESPACE, "rollout", "status", "daemonset/layercache-agent", "--timeout=180s");
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () ->
                admin
                    .pods()
                    .inNamespace(NAMESPACE)
                    .withLabel("app.kubernetes.io/name", "layercache-agent")
                    .list()
                    .getItems()
                    .stream()
                    .anyMatch(p -> !p.getMetadata().getUid().equals(oldAgent) && ready(p)));

    Pod after = admin.pods().inNamespace("default").withName("survivor").get();
    assertThat(after.getStatus().getPhase()).isEqualTo("Running");
    assertThat(after.getStatus().getContainerStatuses().get(0).getRestartCount()).isZero();
    assertThat(after.getStatus().getContainerStatuses().get(0).getContainerID())
        .isEqualTo(running.getStatus().getContainerStatuses().get(0).getContainerID());
    // The agent converges again and its LayerCache stays warm.
    await()
        .atMost(Duration.ofMinutes(2))
        .untilAsserted(
            () -> assertThat(row(kubectl("get", "lc", "deploy-e2e"), "READY")).isEqualTo("1/1"));
    assertThat(mounts(running.getMetadata().getUid()))
        .as("mounts of the agent's store and the running pod")
        .isEqualTo(mountsBefore);
    assertThat(mounts(oldAgent)).as("mounts left by the deleted agent pod").isEmpty();
    admin.pods().inNamespace("default").withName("survivor").delete();
    admin
        .pods()
        .inNamespace("default")
        .withName("survivor")
        .waitUntilCondition(p -> p == null, 60, TimeUnit.SECONDS);
  }

  @Test
  @Order(4)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void deletingEverythingLeavesOnlyUnpinnedLayersAndNoMount(KubernetesClient admin)
      throws Exception {
    kubectl("delete", "lc", "deploy-e2e", "--wait=true", "--timeout=120s");
    // The agent drops the LayerCache's pins once the operator takes them out of the NodeCache.
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(2))
        .until(() -> pinnedLayers().isEmpty());
    kubectl("delete", "-k", overlay.toString(), "--wait=true", "--timeout=180s");
    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> admin.pods().inNamespace(NAMESPACE).list().getItems().isEmpty());

    assertThat(mounts()).as("mounts under the agent's store").isEmpty();
    assertThat(pinnedLayers()).isEmpty();
    for (var diffId : app.diffIds()) {
      assertThat(agentStore.layers().resolve(diffId.hex())).as("unpinned, kept").isDirectory();
    }
  }

  private static Pod runPod(KubernetesClient admin, String name) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace("default")
            .endMetadata()
            .withNewSpec()
            .withHostNetwork(true)
            .withTerminationGracePeriodSeconds(5L)
            .addNewContainer()
            .withName("app")
            .withImage(registry.reference("deploy-e2e/app:1").toString())
            .withCommand("/bin/tool")
            .endContainer()
            .endSpec()
            .build();
    admin.pods().inNamespace("default").resource(pod).create();
    return admin
        .pods()
        .inNamespace("default")
        .withName(name)
        .waitUntilCondition(
            p -> p != null && "Running".equals(p.getStatus().getPhase()), 120, TimeUnit.SECONDS);
  }

  private static boolean ready(Pod pod) {
    return pod.getStatus().getConditions().stream()
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  /** The column's value in the one row of kubectl's table (columns are left-aligned). */
  private static String row(String table, String column) {
    List<String> lines = table.lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).as(table).hasSize(2);
    int start = lines.get(0).indexOf(column);
    assertThat(start).as(table).isNotNegative();
    String row = lines.get(1);
    return start >= row.length() ? "" : row.substring(start).split("\\s+")[0];
  }

  /** Mount points under the agent's store, or of the pods with these UIDs. */
  private static List<String> mounts(String... podUids) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .map(line -> line.split(" ")[4])
        .filter(
            target ->
                target.startsWith(agentStore.root().toString())
                    || Stream.of(podUids).anyMatch(uid -> target.contains("/pods/" + uid + "/")))
        .sorted()
        .toList();
  }

  /** The layers any pin of the agent's store holds (a pin file may stay, emptied). */
  private static List<String> pinnedLayers() throws IOException {
    if (!Files.isDirectory(agentStore.pins())) {
      return List.of();
    }
    List<String> layers = new ArrayList<>();
    try (Stream<Path> files = Files.list(agentStore.pins())) {
      for (Path pin : files.filter(f -> f.toString().endsWith(".json")).toList()) {
        new ObjectMapper()
            .readTree(pin.toFile())
            .path("diffIds")
            .forEach(d -> layers.add(d.asText()));
      }
    }
    return layers;
  }
}
