package dev.layercache.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layercache.agent.Main;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.RenderedDeploy;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import dev.layercache.kube.LayerSources;
import dev.layercache.kube.testing.ChildJvm;
import dev.layercache.oci.Compression;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.FaultyProxy;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code layercache agent} in its own JVM, as the DaemonSet runs it, stopped with SIGTERM in the
 * middle of a fetch (a proxy slows the registry down to 256 KiB/s), on the JVM's real control plane
 * and as deploy/'s agent ServiceAccount (a token bound to a pod on its node).
 */
class AgentShutdownIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  /** Not NodeAgentIT's node: the two share the JVM's control plane. */
  static final String NODE = "worker-shutdown";

  final KubeControlPlane plane = new KubeControlPlane();

  @TempDir Path root;
  @TempDir Path logs;

  @Test
  void sigtermCutsTheFetchShortLeavesNoStagingReleasesTheStoreAndExitsZero() throws Exception {
    RootRequired.assumeOverlayfs();
    byte[] noise = new byte[8 << 20];
    new Random(7).nextBytes(noise);
    TestImage image =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(new TarBuilder().file("blob", noise, 0644), Compression.GZIP)
            .build();
    ImageReference ref = registry.reference("team/big:1");
    image.push(registry.client(), ref);

    KubernetesClient admin = plane.admin();
    RenderedDeploy.install(plane);
    Path kubeconfig =
        plane.kubeconfigWithToken(
            plane.podBoundToken("layercache-system", "layercache-agent", NODE));
    try (FaultyProxy proxy = FaultyProxy.start(registry.url())) {
      proxy.throttleBlobs(256 << 10);
      admin.resource(nodeCache(image, proxy.reference(ref))).create();
      try (ChildJvm agent =
          ChildJvm.startWithKubeconfig(
              Main.class.getName(),
              kubeconfig,
              Map.of(),
              List.of(
                  "--root",
                  root.toString(),
                  "agent",
                  "--node-name",
                  NODE,
                  "--metrics-port",
                  "0",
                  "--status-interval",
                  "100ms"),
              logs.resolve("agent.log"))) {
        // Mid-fetch: the agent reports bytes done, short of the whole layer.
        await()
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(
                () -> {
                  NodeCacheStatus status =
                      admin.resources(NodeCache.class).withName(NODE).get().getStatus();
                  var layer = status.getLayers().get(0);
                  return layer.getState() == LayerState.Pulling && layer.getBytesDone() > 0;
                });
        assertThat(stagingEntries()).isNotEmpty();

        agent.sigterm();

        assertThat(agent.awaitExit(Duration.ofSeconds(30))).as(agent.output()).isZero();
      }
    } finally {
      admin.resources(NodeCache.class).withName(NODE).delete();
    }
    assertThat(stagingEntries()).as("staging after the agent stopped").isEmpty();
    // The writer lock is free, and the store holds no half layer.
    try (LayerStore store = LayerStore.open(root)) {
      assertThat(store.has(image.diffIds().get(0).toString())).isFalse();
    }
  }

  private List<Path> stagingEntries() throws Exception {
    Path staging = root.resolve("staging");
    if (!Files.exists(staging)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(staging)) {
      return entries.toList();
    }
  }

  static NodeCache nodeCache(TestImage image, ImageReference ref) {
    var blob = image.layers().get(0);
    LayerRef layer = new LayerRef();
    layer.setDigest(blob.descriptor().digest().toString());
    layer.setDiffID(blob.diffId().toString());
    layer.setSize(blob.descriptor().size());
    layer.setMediaType(blob.descriptor().mediaType());
    layer.setPinned(true);
    layer.setSources(List.of(LayerSources.of(ref.toString(), List.of())));
    NodeCacheSpec spec = new NodeCacheSpec();
    spec.setLayers(List.of(layer));
    NodeCache nodeCache = new NodeCache();
    nodeCache.setMetadata(new ObjectMetaBuilder().withName(NODE).build());
    nodeCache.setSpec(spec);
    return nodeCache;
  }
}
