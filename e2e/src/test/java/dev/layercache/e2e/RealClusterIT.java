package dev.layercache.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheSpec;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.OverlayWorkspaceSpec;
import dev.layercache.api.v1alpha1.WorkspacePhase;
import dev.layercache.oci.Compression;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator and three real agents, on a real control plane (etcd, kube-apiserver,
 * kube-controller-manager) under deploy/'s ServiceAccounts, RBAC and admission policy, the real
 * registry and real overlay mounts: what a user sees with kubectl, and what is really on each
 * node's disk.
 */
class RealClusterIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  @TempDir Path roots;
  RealCluster cluster;
  TestImage image;
  String ref;

  @BeforeEach
  void start() throws Exception {
    RootRequired.assumeOverlayfs();
    image =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(
                new TarBuilder().file("etc/os-release", "ID=e2e\n").file("etc/motd", "hi"),
                Compression.GZIP)
            .layer(new TarBuilder().file("app/run", "run").whiteout("etc/motd"), Compression.ZSTD)
            .build();
    ref = registry.reference("team/app:1").toString();
    image.push(registry.client(), registry.reference("team/app:1"));
    cluster = new RealCluster(registry, roots);
    cluster.namespace("team");
    cluster.addNode("node-a", Map.of("pool", "build"));
    cluster.addNode("node-b", Map.of("pool", "build"));
    cluster.addNode("node-c", Map.of());
  }

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  LayerCache layerCache(String name) {
    return cluster.client.resources(LayerCache.class).withName(name).get();
  }

  boolean hasLayers(String node) {
    return image.diffIds().stream()
        .allMatch(
            d -> Files.isDirectory(cluster.agent(node).store().layout().layerDiff(d.toString())));
  }

  @Test
  void aLayerCacheWarmsTheMatchingNodesAndAWorkspaceMountsOnOne() throws Exception {
    LayerCache cache = new LayerCache();
    cache.setMetadata(new ObjectMetaBuilder().withName("build-images").build());
    LayerCacheSpec spec = new LayerCacheSpec();
    spec.setImages(List.of(ref));
    spec.setNodeSelector(new LabelSelectorBuilder().addToMatchLabels("pool", "build").build());
    cache.setSpec(spec);
    cluster.client.resource(cache).create();

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                layerCache("build-images").getStatus() != null
                    && "2/2".equals(layerCache("build-images").getStatus().getReadyNodes()));
    assertThat(hasLayers("node-a")).isTrue();
    assertThat(hasLayers("node-b")).isTrue();
    assertThat(hasLayers("node-c")).isFalse();
    NodeCache a = cluster.client.resources(NodeCache.class).withName("node-a").get();
    assertThat(a.getStatus().getReadyLayers()).isEqualTo("2/2");
    assertThat(a.getStatus().getDisk().getLayerBytes()).isEqualTo("ID=e2e\n".length() + 2 + 3);
    assertThat(cluster.agent("node-a").store().image(ref))
        .as("the agent records the image")
        .isPresent();

    // A third node starts matching: it is warmed too.
    cluster.label("node-c", "pool", "build");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "3/3".equals(layerCache("build-images").getStatus().getReadyNodes()));
    assertThat(hasLayers("node-c")).isTrue();

    // A workspace of the image: scheduled on a node holding its layers, mounted for real.
    OverlayWorkspace ws = new OverlayWorkspace();
    ws.setMetadata(new ObjectMetaBuilder().withName("scratch").withNamespace("team").build());
    OverlayWorkspaceSpec wsSpec = new OverlayWorkspaceSpec();
    wsSpec.setImage(ref);
    ws.setSpec(wsSpec);
    cluster.client.resource(ws).create();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              OverlayWorkspace now = workspace();
              return now.getStatus() != null && now.getStatus().getPhase() == WorkspacePhase.Ready;
            });
    OverlayWorkspace ready = workspace();
    Path merged = Path.of(ready.getStatus().getMergedPath());
    assertThat(Files.readString(merged.resolve("etc/os-release"))).isEqualTo("ID=e2e\n");
    assertThat(merged.resolve("app/run")).exists();
    assertThat(merged.resolve("etc/motd")).doesNotExist();
    Files.writeString(merged.resolve("notes.txt"), "kept in the upper layer");
    Path upper = Path.of(ready.getStatus().getUpperPath());
    assertThat(upper.resolve("notes.txt")).exists();
    assertThat(merged.startsWith(roots.resolve(ready.getStatus().getNodeName()))).isTrue();

    // Deleting it unmounts it and removes the ephemeral upper layer before the object goes.
    cluster.client.resource(ready).delete();
    await().atMost(Duration.ofSeconds(60)).until(() -> workspace() == null);
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(merged.toString());
    assertThat(upper).doesNotExist();
  }

  private OverlayWorkspace workspace() {
    return cluster
        .client
        .resources(OverlayWorkspace.class)
        .inNamespace("team")
        .withName("scratch")
        .get();
  }
}
