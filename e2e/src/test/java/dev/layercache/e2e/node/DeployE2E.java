package dev.layercache.e2e.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.snapshot.Snapshotter;
import dev.layercache.agent.store.StoreLayout;
import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.KubeNode;
import dev.layercache.oci.Compression;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.FaultyProxy;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * them as the real Deployment and DaemonSet pods (on containerd's default handler, overlayfs), a
 * LayerCache warms the node, and the agent pod serves what pods use: containerd's snapshotter for
 * the RuntimeClass {@value KubeNode#RUNTIME_CLASS} and the CSI plugin for workspace volumes. The
 * steps build on each other, in order.
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

  /** Counts what the registry serves; the LayerCache and the pods name images through it. */
  static FaultyProxy proxy;

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
    proxy = FaultyProxy.start(registry.url());
    node.trustRegistry(proxy.host());

    work = Files.createTempDirectory("layercache-deploy-e2e-");
    agentStore = new StoreLayout(Files.createTempDirectory(node.hostDir(), "agent-store-"));
    overlay = Files.createDirectories(work.resolve("overlay"));
    int apiPort = URI.create(node.admin().getConfiguration().getMasterUrl()).getPort();
    Files.writeString(overlay.resolve("kustomization.yaml"), overlay(repo, apiPort));
  }

  @AfterAll
  static void removeWork() {
    if (proxy != null) {
      proxy.close();
    }
    // The agent's store goes with the node's directory.
    if (work != null) {
      KubeNode.command(List.of("rm", "-rf", work.toString()), 60);
    }
  }

  /**
   * The part of the overlay that differs per run: the registry, the API server, and the node's
   * paths (the agent's store, the snapshotter socket's directory, the kubelet's root and
   * containerd's socket directory, each at the same path inside the pod as on the node).
   */
  private static String overlay(Path repo, int apiPort) {
    String env =
        "      - {op: add, path: /spec/template/spec/containers/0/env/-,"
            + " value: {name: KUBERNETES_SERVICE_HOST, value: \"127.0.0.1\"}}\n"
            + "      - {op: add, path: /spec/template/spec/containers/0/env/-,"
            + " value: {name: KUBERNETES_SERVICE_PORT, value: \""
            + apiPort
            + "\"}}\n";
    String store = agentStore.root().toString();
    String run = node.snapshotterSocket().getParent().toString();
    String kubelet = node.kubeletRoot().toString();
    // The node's own containerd (scripts/local-node.sh), not the host's /run/containerd.
    Path criSocket = node.containerdRoot().resolveSibling("containerd.sock");
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
        + "      - {op: replace, path: /spec/template/spec/volumes/1/hostPath/path, value: "
        + run
        + "}\n"
        + "      - {op: replace, path: /spec/template/spec/containers/0/volumeMounts/1/mountPath,"
        + " value: "
        + run
        + "}\n"
        + "      - {op: replace, path: /spec/template/spec/volumes/2/hostPath/path, value: "
        + kubelet
        + "}\n"
        + "      - {op: replace, path: /spec/template/spec/containers/0/volumeMounts/2/mountPath,"
        + " value: "
        + kubelet
        + "}\n"
        + "      - {op: replace, path: /spec/template/spec/volumes/3/hostPath/path, value: "
        + criSocket.getParent()
        + "}\n"
        + "      - {op: replace, path: /spec/template/spec/containers/0/volumeMounts/3/mountPath,"
        + " value: "
        + criSocket.getParent()
        + "}\n"
        + "      - {op: replace, path: /spec/template/spec/containers/0/args, value: [--root, "
        + store
        + ", agent, --snapshotter-address, "
        + node.snapshotterSocket()
        + ", --csi-address, "
        + kubelet
        + "/plugins/workspace.layercache.dev/csi.sock, --kubelet-registration-dir, "
        + kubelet
        + "/plugins_registry, --cri-address, "
        + criSocket
        + ", --cri-runtime-handler, "
        + KubeNode.RUNTIME_CLASS
        + "]}\n";
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
    // The agent's CSI plugin registered itself with the kubelet (no registrar sidecar).
    await()
        .atMost(Duration.ofMinutes(1))
        .untilAsserted(
            () ->
                assertThat(admin.storage().v1().csiNodes().withName(node.name()).get())
                    .extracting(n -> n.getSpec().getDrivers())
                    .asList()
                    .extracting("name")
                    .contains("workspace.layercache.dev"));
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
    app.push(registry.client(), registry.reference("deploy-e2e/app:1"));
    other.push(registry.client(), registry.reference("deploy-e2e/other:1"));
    ImageReference appRef = appRef();
    ImageReference otherRef = otherRef();
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
    // The agent made both images present in containerd for the layercache handler (CRI PullImage):
    // containerd took every layer from the snapshotter, so the registry served each layer blob
    // once (to the agent) and containerd's content store holds none.
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(
                        kubectl(
                            "get",
                            "nc",
                            node.name(),
                            "-o",
                            "jsonpath={.status.conditions[?(@.type==\"ImagesPresent\")].status}"))
                    .isEqualTo("True"));
    String images = node.crictl("images");
    assertThat(images).contains(appRef().name()).contains(otherRef().name());
    for (TestImage image : List.of(app, other)) {
      assertThat(layerBlobGets(image))
          .as("layer blobs the registry served")
          .doesNotHaveDuplicates();
    }
    assertThat(contentBlobs())
        .as("containerd's content store holds no layer of the images")
        .doesNotContainAnyElementsOf(
            Stream.of(app, other)
                .flatMap(i -> i.layerDescriptors().stream())
                .map(d -> d.digest().toString())
                .toList());
  }

  @Test
  @Order(3)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aPodOfTheWarmedImageStartsWithNoLayerFetched(KubernetesClient admin) throws Exception {
    proxy.reset();
    Pod pod = runPod(admin, "warm", appRef(), KubeNode.RUNTIME_CLASS, null, "/data/hello");
    assertThat(log(admin, pod)).isEqualTo("app\n");
    assertThat(layerBlobGets(app)).as("layer blobs the registry served for the pod").isEmpty();
    assertThat(contentBlobs())
        .as("containerd's content store holds no layer of the image")
        .doesNotContainAnyElementsOf(
            app.layerDescriptors().stream().map(d -> d.digest().toString()).toList());
  }

  @Test
  @Order(4)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void anInlineVolumeIsAFreshOverlayThatGoesWithItsPod(KubernetesClient admin) throws Exception {
    Map<String, String> attributes = Map.of("image", otherRef().toString());
    Pod pod =
        runPod(
            admin,
            "inline",
            appRef(),
            KubeNode.RUNTIME_CLASS,
            attributes,
            "/ws/data/hello /ws/data/copy");
    String uid = pod.getMetadata().getUid();
    // The pod's write landed in its volume's own upper layer in the agent's store.
    Path upper =
        await().atMost(Duration.ofMinutes(1)).until(() -> upperWith("data/copy"), u -> u != null);
    assertThat(Files.readString(upper.resolve("data/copy"))).isEqualTo("other\n");
    assertThat(mounts(uid)).as("the volume's bind in the pod").isNotEmpty();

    deletePod(admin, "inline");
    await().atMost(Duration.ofMinutes(1)).until(() -> !Files.exists(upper));
    assertThat(mounts(uid)).as("mounts left by the pod").isEmpty();
  }

  @Test
  @Order(5)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aNamedWorkspaceOutlivesNoPodThatUsesIt(KubernetesClient admin) throws Exception {
    Path file = work.resolve("workspace.yaml");
    Files.writeString(
        file,
        "apiVersion: layercache.dev/v1alpha1\n"
            + "kind: OverlayWorkspace\n"
            + "metadata: {name: shared, namespace: default}\n"
            + "spec:\n"
            + "  image: "
            + otherRef()
            + "\n  nodeName: "
            + node.name()
            + "\n");
    kubectl("apply", "-f", file.toString());
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(row(kubectl("-n", "default", "get", "ows", "shared"), "PHASE"))
                    .isEqualTo("Ready"));
    Pod pod =
        runPod(
            admin,
            "user",
            appRef(),
            KubeNode.RUNTIME_CLASS,
            Map.of("workspace", "shared"),
            "/ws/data/hello /ws/data/by-pod");
    String uid = pod.getMetadata().getUid();
    await()
        .atMost(Duration.ofMinutes(1))
        .untilAsserted(
            () -> assertThat(workspace(admin).at("/status/pods").toString()).contains(uid));
    Path upper = Path.of(workspace(admin).at("/status/upperPath").asText());
    assertThat(Files.readString(upper.resolve("data/by-pod"))).isEqualTo("other\n");

    // Deleting it while the pod runs waits for the pod, and says so.
    kubectl("-n", "default", "delete", "ows", "shared", "--wait=false");
    await()
        .atMost(Duration.ofMinutes(1))
        .untilAsserted(
            () -> {
              var status = workspace(admin).path("status");
              assertThat(status.path("phase").asText()).isEqualTo("Terminating");
              assertThat(status.path("conditions").toString()).contains("InUseByPods");
            });
    Thread.sleep(5_000); // the agent syncs again meanwhile; the pod's view must stay
    Pod running = admin.pods().inNamespace("default").withName("user").get();
    assertThat(running.getStatus().getPhase()).isEqualTo("Running");
    assertThat(running.getStatus().getContainerStatuses().get(0).getRestartCount()).isZero();
    assertThat(mounts(uid)).as("the workspace's bind in the running pod").isNotEmpty();
    assertThat(upper).isDirectory();

    deletePod(admin, "user");
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () ->
                admin
                        .genericKubernetesResources("layercache.dev/v1alpha1", "OverlayWorkspace")
                        .inNamespace("default")
                        .withName("shared")
                        .get()
                    == null);
    await().atMost(Duration.ofMinutes(1)).until(() -> !Files.exists(upper));
    assertThat(mounts(uid)).as("mounts left by the pod").isEmpty();
  }

  @Test
  @Order(6)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void restartingTheAgentKeepsRunningPodsAndLeaksNoMount(KubernetesClient admin) throws Exception {
    // The pod of the warmed image: its snapshots are the agent's, served by the pod restarted here.
    Pod running = admin.pods().inNamespace("default").withName("warm").get();
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

    Pod after = admin.pods().inNamespace("default").withName("warm").get();
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
    // containerd's proxy redials the new agent's socket: a new pod of the handler starts.
    Pod again = runPod(admin, "warm-again", appRef(), KubeNode.RUNTIME_CLASS, null, "/data/hello");
    assertThat(log(admin, again)).isEqualTo("app\n");
    deletePod(admin, "warm-again");
    deletePod(admin, "warm");
  }

  @Test
  @Order(7)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void deletingEverythingLeavesOnlyUnpinnedLayersAndNoMount(KubernetesClient admin)
      throws Exception {
    kubectl("delete", "lc", "deploy-e2e", "--wait=true", "--timeout=120s");
    // The agent drops the LayerCache's pins once the operator takes them out of the NodeCache.
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(2))
        .until(() -> pinnedLayers().isEmpty());
    // While the agent still serves them: the next test class brings a store of its own.
    node.forgetSnapshots();
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

  private static ImageReference appRef() {
    return proxy.reference(registry.reference("deploy-e2e/app:1"));
  }

  private static ImageReference otherRef() {
    return proxy.reference(registry.reference("deploy-e2e/other:1"));
  }

  /**
   * A host-network pod of IMAGE (a warmed image, present in containerd for the layercache handler
   * only: its pods say the RuntimeClass, since containerd holds none of its layer blobs for
   * overlayfs to unpack) running {@code /bin/tool ARGS} (one file: print it; two: copy the first to
   * the second), with a workspace volume at /ws when VOLUME (its volumeAttributes) is set.
   */
  private static Pod runPod(
      KubernetesClient admin,
      String name,
      ImageReference image,
      String runtimeClass,
      Map<String, String> volume,
      String args) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace("default")
            .endMetadata()
            .withNewSpec()
            .withHostNetwork(true)
            .withRuntimeClassName(runtimeClass)
            .withTerminationGracePeriodSeconds(5L)
            .addNewContainer()
            .withName("app")
            .withImage(image.toString())
            // The agent made the warmed image present in containerd: the kubelet never pulls it.
            .withImagePullPolicy("Never")
            .withCommand(Stream.concat(Stream.of("/bin/tool"), Stream.of(args.split(" "))).toList())
            .endContainer()
            .endSpec()
            .build();
    if (volume != null) {
      pod.getSpec()
          .getContainers()
          .get(0)
          .setVolumeMounts(
              List.of(new VolumeMountBuilder().withName("ws").withMountPath("/ws").build()));
      pod.getSpec()
          .setVolumes(
              List.of(
                  new VolumeBuilder()
                      .withName("ws")
                      .withNewCsi()
                      .withDriver("workspace.layercache.dev")
                      .withVolumeAttributes(volume)
                      .endCsi()
                      .build()));
    }
    admin.pods().inNamespace("default").resource(pod).create();
    return admin
        .pods()
        .inNamespace("default")
        .withName(name)
        .waitUntilCondition(
            p -> p != null && "Running".equals(p.getStatus().getPhase()), 120, TimeUnit.SECONDS);
  }

  private static void deletePod(KubernetesClient admin, String name) {
    admin.pods().inNamespace("default").withName(name).delete();
    admin
        .pods()
        .inNamespace("default")
        .withName(name)
        .waitUntilCondition(p -> p == null, 90, TimeUnit.SECONDS);
  }

  /** What the pod's container printed (the tool prints a file it is given alone). */
  private static String log(KubernetesClient admin, Pod pod) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                admin.pods().inNamespace("default").withName(pod.getMetadata().getName()).getLog(),
            text -> text != null && !text.isEmpty());
  }

  private static GenericKubernetesResource workspaceResource(KubernetesClient admin) {
    return admin
        .genericKubernetesResources("layercache.dev/v1alpha1", "OverlayWorkspace")
        .inNamespace("default")
        .withName("shared")
        .get();
  }

  private static JsonNode workspace(KubernetesClient admin) {
    return new ObjectMapper().valueToTree(workspaceResource(admin));
  }

  /** The upper layer under the agent's store that holds this path, if any. */
  private static Path upperWith(String path) throws IOException {
    try (Stream<Path> uppers = Files.walk(agentStore.root(), 3)) {
      return uppers
          .filter(p -> p.getFileName().toString().equals("upper"))
          .filter(p -> Files.exists(p.resolve(path)))
          .findFirst()
          .orElse(null);
    }
  }

  private static List<String> layerBlobGets(TestImage image) {
    List<String> layers =
        image.layerDescriptors().stream().map(d -> "/blobs/" + d.digest()).toList();
    return proxy.requests().stream()
        .filter(r -> r.method().equals("GET"))
        .map(FaultyProxy.RecordedRequest::path)
        .filter(path -> layers.stream().anyMatch(path::endsWith))
        .toList();
  }

  private static List<String> contentBlobs() throws IOException {
    Path blobs = node.containerdRoot().resolve("io.containerd.content.v1.content/blobs/sha256");
    if (!Files.isDirectory(blobs)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(blobs)) {
      return files.map(f -> "sha256:" + f.getFileName()).toList();
    }
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

  /**
   * The layers the pins of the agent's store hold (a pin file may stay, emptied), but for the pin
   * of containerd's snapshots: the images stay in containerd after their pods, and the layers their
   * snapshots stand on stay pinned until containerd removes them.
   */
  private static List<String> pinnedLayers() throws IOException {
    if (!Files.isDirectory(agentStore.pins())) {
      return List.of();
    }
    List<String> layers = new ArrayList<>();
    try (Stream<Path> files = Files.list(agentStore.pins())) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
        JsonNode pin = new ObjectMapper().readTree(file.toFile());
        if (!pin.path("owner").asText().equals(Snapshotter.PIN_OWNER)) {
          pin.path("diffIds").forEach(d -> layers.add(d.asText()));
        }
      }
    }
    return layers;
  }
}
