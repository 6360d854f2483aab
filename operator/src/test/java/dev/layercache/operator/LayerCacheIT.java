package dev.layercache.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheSpec;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** LayerCaches on a simulated three-node cluster with a real registry. */
class LayerCacheIT {
  @RegisterExtension static final RegistryExtension REGISTRY = RegistryExtension.anonymous();

  private static final Duration WAIT = Duration.ofSeconds(30);

  private SimulatedCluster cluster;

  @BeforeEach
  void start() throws Exception {
    cluster = new SimulatedCluster();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void warmsExactlyTheMatchingNodesThenANewlyLabelledOneAndForgetsADeletedOne() throws Exception {
    String image = push("team/app:1", TestImages.sample(ImageFormat.OCI, TestImages.AMD64));
    cluster.addNode("node-a", Map.of("pool", "build"));
    cluster.addNode("node-b", Map.of("pool", "build"));
    cluster.addNode("node-c", Map.of());
    cluster.startOperator(REGISTRY);

    create(
        "warm",
        spec -> {
          spec.setImages(List.of(image));
          spec.setNodeSelector(
              new LabelSelectorBuilder().addToMatchLabels("pool", "build").build());
        });

    await().atMost(WAIT).untilAsserted(() -> assertThat(readyNodes("warm")).isEqualTo("2/2"));
    LayerCacheStatus status = cluster.layerCache("warm").getStatus();
    assertThat(condition(status, LayerCacheStatus.READY).getStatus()).isEqualTo("True");
    assertThat(condition(status, LayerCacheStatus.RESOLVED).getStatus()).isEqualTo("True");
    assertThat(status.getResolved())
        .singleElement()
        .satisfies(r -> assertThat(r.getLayers()).hasSize(3));
    assertThat(status.getTotalBytes()).isPositive();
    assertThat(pinned("node-a"))
        .hasSize(3)
        .allSatisfy(
            l -> {
              assertThat(l.getPinned()).isTrue();
              assertThat(l.getSources())
                  .singleElement()
                  .satisfies(
                      s -> {
                        assertThat(s.getRegistry()).isEqualTo(REGISTRY.host());
                        assertThat(s.getRepository()).isEqualTo("team/app");
                      });
            });
    assertThat(pinned("node-c")).isEmpty();
    assertThat(cluster.nodeCache("node-a").getStatus().getSavings().getLogicalBytes()).isPositive();

    cluster.label("node-c", "pool", "build");
    await().atMost(WAIT).untilAsserted(() -> assertThat(readyNodes("warm")).isEqualTo("3/3"));

    NodeCache doomed = cluster.nodeCache("node-b");
    assertThat(doomed.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getKind()).isEqualTo("Node");
              assertThat(o.getName()).isEqualTo("node-b");
              assertThat(o.getUid())
                  .isEqualTo(
                      cluster.client.nodes().withName("node-b").get().getMetadata().getUid());
            });
    cluster.deleteNode("node-b");
    await().atMost(WAIT).untilAsserted(() -> assertThat(readyNodes("warm")).isEqualTo("2/2"));
    assertThat(cluster.events())
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("AllNodesReady"));
  }

  private String push(String repositoryAndTag, TestImage image) throws Exception {
    ImageReference ref = REGISTRY.reference(repositoryAndTag);
    image.push(REGISTRY.client(), ref);
    return ref.toString();
  }

  private void create(String name, Consumer<LayerCacheSpec> spec) {
    LayerCache layerCache = new LayerCache();
    layerCache.getMetadata().setName(name);
    LayerCacheSpec s = new LayerCacheSpec();
    spec.accept(s);
    layerCache.setSpec(s);
    cluster.client.resource(layerCache).create();
  }

  private String readyNodes(String name) {
    LayerCache layerCache = cluster.layerCache(name);
    return layerCache.getStatus() == null ? null : layerCache.getStatus().getReadyNodes();
  }

  private List<LayerRef> pinned(String node) {
    NodeCache nodeCache = cluster.nodeCache(node);
    return NodeCacheView.of(nodeCache).specLayers().stream()
        .filter(l -> Boolean.TRUE.equals(l.getPinned()))
        .toList();
  }

  private static Condition condition(LayerCacheStatus status, String type) {
    return Conditions.find(status.getConditions(), type).orElseThrow();
  }
}
