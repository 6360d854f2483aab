package dev.layercache.e2e.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layercache.agent.daemon.DaemonProcess;
import dev.layercache.api.testing.KubeNode;
import dev.layercache.oci.Compression;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.FaultyProxy;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pods of the RuntimeClass {@value KubeNode#RUNTIME_CLASS} on a real kubelet, whose containerd
 * takes their snapshots from a {@code layercache daemon} run as a host process (the way a node runs
 * layercache without the agent): a pod's first start fetches its layers into the store (the daemon
 * pulls them, containerd keeps only the manifest and config), and once containerd has forgotten the
 * image, the next pod of it starts with no layer blob served by the registry at all.
 */
@ExtendWith(KubeNode.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class NodePodE2E {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  static FaultyProxy proxy;
  static String namespace = "node-e2e-" + UUID.randomUUID().toString().substring(0, 8);
  static Path out;
  static Path store;
  static DaemonProcess daemon;

  @BeforeAll
  static void start(KubeNode node, KubernetesClient admin) throws Exception {
    proxy = FaultyProxy.start(registry.url());
    node.trustRegistry(proxy.host());
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
    out = Files.createTempDirectory("layercache-node-e2e-");
    store = Files.createTempDirectory("layercache-node-e2e-store-");
    // The daemon's log stays for a look after the run, beside the node's.
    Path log = Path.of(System.getProperty("basedir", "."), "target", "node-pod-e2e-daemon.log");
    daemon = new DaemonProcess(store, node.snapshotterSocket(), log).start();
  }

  @AfterAll
  static void stop(KubeNode node, KubernetesClient admin) throws Exception {
    admin.namespaces().withName(namespace).delete();
    if (proxy != null) {
      proxy.close();
    }
    if (daemon != null) {
      // While the daemon still serves them: the next test class brings a store of its own.
      node.forgetSnapshots();
      daemon.close();
    }
    for (Path dir : Stream.of(out, store).filter(d -> d != null).toList()) {
      KubeNode.command(List.of("rm", "-rf", dir.toString()), 60);
    }
  }

  @Test
  void aPodOfAnImageInTheStoreStartsWithNoLayerFetched(KubeNode node, KubernetesClient admin)
      throws Exception {
    byte[] tool = PodTool.build(Files.createDirectories(out.resolve("tool")));
    String hello = "hello from a layer " + UUID.randomUUID() + "\n";
    TestImage image =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(new TarBuilder().directory("bin").file("bin/tool", tool, 0755), Compression.GZIP)
            .layer(new TarBuilder().directory("data").file("data/hello", hello), Compression.GZIP)
            .build();
    ImageReference pushed = registry.reference("node-e2e/app:1");
    image.push(registry.client(), pushed);
    String ref = proxy.reference(pushed).toString();

    // Cold: the daemon fetches both layers into the store while containerd unpacks the image.
    Pod cold = runPod(admin, "cold", ref);
    assertThat(Files.readString(out.resolve("cold/hello"))).isEqualTo(hello);
    assertThat(layerBlobGets(image)).as("the cold start fetches each layer").isNotEmpty();
    deletePod(admin, cold);
    node.crictl("rmi", ref); // containerd forgets the image; its GC removes the snapshots
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !node.crictl("images").contains("node-e2e/app"));

    proxy.reset();
    Pod warm = runPod(admin, "warm", ref);
    assertThat(Files.readString(out.resolve("warm/hello"))).isEqualTo(hello);
    assertThat(layerBlobGets(image)).as("layer blobs served for the warm start").isEmpty();
    assertThat(contentBlobs(node))
        .as("containerd's content store holds no layer")
        .doesNotContainAnyElementsOf(
            image.layerDescriptors().stream().map(d -> d.digest().toString()).toList());
    deletePod(admin, warm);
  }

  /** A host-network pod that copies the image's /data/hello into out/NAME/ and stays Running. */
  private static Pod runPod(KubernetesClient admin, String name, String image) throws Exception {
    Files.createDirectories(out.resolve(name));
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .withNewSpec()
            .withHostNetwork(true)
            .withRuntimeClassName(KubeNode.RUNTIME_CLASS)
            .withTerminationGracePeriodSeconds(5L)
            .addNewContainer()
            .withName("app")
            .withImage(image)
            .withImagePullPolicy("IfNotPresent")
            .withCommand("/bin/tool", "/data/hello", "/out/hello")
            .addNewVolumeMount()
            .withName("out")
            .withMountPath("/out")
            .endVolumeMount()
            .endContainer()
            .addNewVolume()
            .withName("out")
            .withNewHostPath()
            .withPath(out.resolve(name).toString())
            .endHostPath()
            .endVolume()
            .endSpec()
            .build();
    admin.pods().inNamespace(namespace).resource(pod).create();
    return admin
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .waitUntilCondition(
            p -> p != null && "Running".equals(p.getStatus().getPhase()), 120, TimeUnit.SECONDS);
  }

  private static void deletePod(KubernetesClient admin, Pod pod) {
    admin.pods().inNamespace(namespace).resource(pod).delete();
    admin
        .pods()
        .inNamespace(namespace)
        .withName(pod.getMetadata().getName())
        .waitUntilCondition(p -> p == null, 60, TimeUnit.SECONDS);
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

  private static List<String> contentBlobs(KubeNode node) throws Exception {
    Path blobs = node.containerdRoot().resolve("io.containerd.content.v1.content/blobs/sha256");
    if (!Files.isDirectory(blobs)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(blobs)) {
      return files.map(f -> "sha256:" + f.getFileName()).toList();
    }
  }
}
