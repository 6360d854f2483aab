package dev.layercache.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layercache.api.testing.Edits;
import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheSpec;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.oci.Compression;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.FaultyProxy;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import dev.layercache.operator.nodecache.NodeCacheView;
import dev.layercache.operator.support.Nodes;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** LayerCaches on a simulated three-node cluster with a real registry. */
public class LayerCacheIT {
  @RegisterExtension static final RegistryExtension REGISTRY = RegistryExtension.anonymous();

  private static final Duration WAIT = Duration.ofSeconds(30);

  /** Polls until the assertion holds; reads may see objects not yet reconciled. */
  private static ConditionFactory eventually() {
    return await().atMost(WAIT).ignoreExceptions();
  }

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

    eventually().untilAsserted(() -> assertThat(readyNodes("warm")).isEqualTo("2/2"));
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
    eventually().untilAsserted(() -> assertThat(readyNodes("warm")).isEqualTo("3/3"));

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
    eventually().untilAsserted(() -> assertThat(readyNodes("warm")).isEqualTo("2/2"));
    assertThat(cluster.events())
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("AllNodesReady"));
  }

  @Test
  void maxConcurrentNodesOneNeverLetsTwoNodesPullAtOnce() throws Exception {
    String image = push("team/wave:1", TestImages.sample(ImageFormat.OCI, TestImages.AMD64));
    for (String node : List.of("node-a", "node-b", "node-c")) {
      cluster.addNode(node, Map.of());
    }
    cluster.startOperator(REGISTRY);

    create(
        "wave",
        spec -> {
          spec.setImages(List.of(image));
          spec.setMaxConcurrentNodes(1);
        });

    eventually().untilAsserted(() -> assertThat(readyNodes("wave")).isEqualTo("3/3"));
    assertThat(cluster.pulls.starts()).containsExactlyInAnyOrder("node-a", "node-b", "node-c");
    assertThat(cluster.pulls.maxConcurrent()).isEqualTo(1);
  }

  @Test
  void aMovedTagRollsOutAndTheOldPinsGo() throws Exception {
    TestImage first = TestImages.sample(ImageFormat.OCI, TestImages.AMD64);
    String image = push("team/moving:latest", first);
    cluster.addNode("node-a", Map.of());
    cluster.addNode("node-b", Map.of());
    cluster.startOperator(REGISTRY);

    create(
        "moving",
        spec -> {
          spec.setImages(List.of(image));
          spec.setRefreshInterval("1s");
        });
    eventually().untilAsserted(() -> assertThat(readyNodes("moving")).isEqualTo("2/2"));
    String firstDigest = cluster.layerCache("moving").getStatus().getResolved().get(0).getDigest();

    TestImage second =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(TestImages.baseLayer(TestImages.AMD64), Compression.GZIP)
            .layer(new TarBuilder().file("app/version", "2\n"), Compression.GZIP)
            .build();
    push("team/moving:latest", second);
    String newTop = second.diffIds().get(1).toString();
    String oldTop = first.diffIds().get(2).toString();

    eventually()
        .untilAsserted(
            () -> {
              LayerCacheStatus status = cluster.layerCache("moving").getStatus();
              assertThat(status.getResolved().get(0).getDigest()).isNotEqualTo(firstDigest);
              assertThat(status.getReadyNodes()).isEqualTo("2/2");
              for (String node : List.of("node-a", "node-b")) {
                assertThat(pinned(node))
                    .extracting(LayerRef::getDiffID)
                    .contains(newTop)
                    .doesNotContain(oldTop);
              }
            });
    assertThat(cluster.events()).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("TagMoved"));
  }

  @Test
  void aRegistryOutageDegradesWithTheRegistrysMessageAndRecovers() throws Exception {
    String image = push("team/outage:1", TestImages.sample(ImageFormat.OCI, TestImages.AMD64));
    try (FaultyProxy proxy = FaultyProxy.start(REGISTRY.url())) {
      String viaProxy = proxy.reference(ImageReference.parse(image)).toString();
      cluster.addNode("node-a", Map.of());
      cluster.startOperator(REGISTRY);
      create(
          "outage",
          spec -> {
            spec.setImages(List.of(viaProxy));
            spec.setRefreshInterval("1s");
          });
      eventually().untilAsserted(() -> assertThat(readyNodes("outage")).isEqualTo("1/1"));

      proxy.failAlways(503);
      eventually()
          .untilAsserted(
              () -> {
                LayerCacheStatus status = cluster.layerCache("outage").getStatus();
                Condition degraded = condition(status, LayerCacheStatus.DEGRADED);
                assertThat(degraded.getStatus()).isEqualTo("True");
                assertThat(degraded.getReason()).isEqualTo("RegistryUnavailable");
                assertThat(degraded.getMessage()).contains(viaProxy).contains("503");
                assertThat(condition(status, LayerCacheStatus.RESOLVED).getStatus())
                    .isEqualTo("False");
                // The layers already on the nodes stay pinned and warm.
                assertThat(status.getReadyNodes()).isEqualTo("1/1");
              });

      proxy.reset();
      eventually()
          .untilAsserted(
              () -> {
                LayerCacheStatus status = cluster.layerCache("outage").getStatus();
                assertThat(condition(status, LayerCacheStatus.DEGRADED).getStatus())
                    .isEqualTo("False");
                assertThat(condition(status, LayerCacheStatus.RESOLVED).getStatus())
                    .isEqualTo("True");
              });
    }
  }

  /**
   * An invalid spec never reaches the operator on a real server: the CRD's schema refuses it (the
   * operator's InvalidSpec condition is defence in depth, covered by SpecValidatorTest). An
   * unresolvable one gets a condition naming the cause.
   */
  @Test
  void invalidSpecsAreRefusedAndUnresolvableOnesGetAConditionNamingTheCause() throws Exception {
    cluster.addNode("node-a", Map.of());
    cluster.startOperator(REGISTRY);

    assertThatThrownBy(
            () ->
                create("invalid", spec -> spec.setImages(List.of("docker.io/Library/python:3.12"))))
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getMessage()).contains("spec.images[0]");
            });
    create("unknown-tag", spec -> spec.setImages(List.of(REGISTRY.host() + "/team/none:404")));

    eventually()
        .untilAsserted(
            () -> {
              LayerCacheStatus status = cluster.layerCache("unknown-tag").getStatus();
              Condition resolved = condition(status, LayerCacheStatus.RESOLVED);
              assertThat(resolved.getReason()).isEqualTo("ImageNotFound");
              assertThat(resolved.getMessage())
                  .contains("team/none:404")
                  .contains("MANIFEST_UNKNOWN");
              assertThat(condition(status, LayerCacheStatus.DEGRADED).getStatus())
                  .isEqualTo("True");
            });
    // No crash loop: the operator keeps serving others.
    String image = push("team/fine:1", TestImages.sample(ImageFormat.OCI, TestImages.AMD64));
    create("fine", spec -> spec.setImages(List.of(image)));
    eventually().untilAsserted(() -> assertThat(readyNodes("fine")).isEqualTo("1/1"));
    assertThat(cluster.events())
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("ImageNotFound"));
  }

  @Test
  void aFailedLayerIsReportedWithNodeDigestAndMessage() throws Exception {
    TestImage sample = TestImages.sample(ImageFormat.OCI, TestImages.AMD64);
    String image = push("team/broken:1", sample);
    cluster.addNode("node-a", Map.of());
    cluster.addNode("node-b", Map.of());
    cluster.agent("node-b").fail(sample.diffIds().get(0).toString());
    cluster.startOperator(REGISTRY);

    create("broken", spec -> spec.setImages(List.of(image)));

    eventually()
        .untilAsserted(
            () -> {
              LayerCacheStatus status = cluster.layerCache("broken").getStatus();
              assertThat(status.getNodes().getFailed()).isEqualTo(1);
              assertThat(status.getReadyNodes()).isEqualTo("1/2");
              assertThat(status.getFailures())
                  .singleElement()
                  .satisfies(
                      f -> {
                        assertThat(f.getNode()).isEqualTo("node-b");
                        assertThat(f.getDigest()).isEqualTo(sample.diffIds().get(0).toString());
                        assertThat(f.getReason()).isEqualTo("LayerFailed");
                        assertThat(f.getMessage()).contains("simulated failure");
                      });
              assertThat(condition(status, LayerCacheStatus.DEGRADED).getReason())
                  .isEqualTo("NodesFailed");
            });
    assertThat(cluster.events()).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("NodeFailed"));
  }

  @Test
  void aFailureNoStepHandlesDegradesWithItsMessageAndClearsOnRetry() throws Exception {
    String image = push("team/buggy:1", TestImages.sample(ImageFormat.OCI, TestImages.AMD64));
    cluster.addNode("node-a", Map.of());
    cluster.startOperator(REGISTRY);
    cluster.breakRegistryClients("simulated bug in the registry client");

    create("buggy", spec -> spec.setImages(List.of(image)));
    eventually()
        .untilAsserted(
            () -> {
              Condition degraded =
                  condition(cluster.layerCache("buggy").getStatus(), LayerCacheStatus.DEGRADED);
              assertThat(degraded.getStatus()).isEqualTo("True");
              assertThat(degraded.getReason()).isEqualTo("ReconcileError");
              assertThat(degraded.getMessage()).isEqualTo("simulated bug in the registry client");
            });

    cluster.breakRegistryClients(null);
    eventually()
        .untilAsserted(
            () -> {
              LayerCacheStatus status = cluster.layerCache("buggy").getStatus();
              assertThat(status.getReadyNodes()).isEqualTo("1/1");
              assertThat(condition(status, LayerCacheStatus.DEGRADED).getStatus())
                  .isEqualTo("False");
            });
  }

  @Test
  void agentHeartbeatsReconcileNothing() throws Exception {
    String image = push("team/steady:1", TestImages.sample(ImageFormat.OCI, TestImages.AMD64));
    cluster.addNode("node-a", Map.of());
    cluster.addNode("node-b", Map.of());
    cluster.startOperator(REGISTRY);
    create("steady", spec -> spec.setImages(List.of(image)));
    eventually().untilAsserted(() -> assertThat(readyNodes("steady")).isEqualTo("2/2"));
    // Settled: no reconcile for two seconds (under load a last event can come a second late).
    await()
        .atMost(WAIT)
        .until(
            () -> {
              double before = reconciles();
              return await()
                  .pollDelay(Duration.ofSeconds(2))
                  .atMost(Duration.ofSeconds(3))
                  .until(this::reconciles, r -> true)
                  .equals(before);
            });
    double settled = reconciles();
    String syncedBefore = cluster.nodeCache("node-a").getStatus().getLastSyncTime();

    for (int i = 0; i < 5; i++) {
      cluster.agent("node-a").heartbeat();
      cluster.agent("node-b").heartbeat();
    }

    assertThat(cluster.nodeCache("node-a").getStatus().getLastSyncTime())
        .isNotEqualTo(syncedBefore);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .until(this::reconciles, r -> r == settled);
  }

  /** Reconciles started so far, by every controller (JOSDK's own meter). */
  private double reconciles() {
    return cluster.meters.find("operator.sdk.reconciliations.started").counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
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

  /**
   * kube-apiserver restarts under a running operator (not restarted): its informers reconnect, so
   * what is written after the restart — a new Node, a new LayerCache, a spec change — is seen and
   * converged. Events about the cluster-scoped LayerCache are in namespace default, and the status
   * follows the spec's generation.
   */
  @Test
  void theOperatorConvergesAfterKubeApiServerRestarts() throws Exception {
    String image = push("team/restart:1", TestImages.sample(ImageFormat.OCI, TestImages.AMD64));
    cluster.addNode("node-a", Map.of());
    cluster.startOperator(REGISTRY);
    create("before", spec -> spec.setImages(List.of(image)));
    eventually().untilAsserted(() -> assertThat(readyNodes("before")).isEqualTo("1/1"));

    cluster.plane.stopApiServer();
    cluster.plane.startApiServer();

    cluster.addNode("node-b", Map.of());
    create("after", spec -> spec.setImages(List.of(image)));
    Edits.retryingConflicts(
        cluster.client.resources(LayerCache.class).withName("before"),
        lc -> {
          // A spec change that keeps both nodes: every node here is linux.
          lc.getSpec()
              .setNodeSelector(
                  new LabelSelectorBuilder().addToMatchLabels(Nodes.OS_LABEL, "linux").build());
          return lc;
        });
    eventually()
        .untilAsserted(
            () -> {
              assertThat(readyNodes("after")).isEqualTo("2/2");
              assertThat(readyNodes("before")).isEqualTo("2/2");
              LayerCache before = cluster.layerCache("before");
              assertThat(before.getMetadata().getGeneration()).isEqualTo(2L);
              assertThat(before.getStatus().getObservedGeneration()).isEqualTo(2L);
            });
    assertThat(cluster.events())
        .filteredOn(e -> "LayerCache".equals(e.getInvolvedObject().getKind()))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getMetadata().getNamespace()).isEqualTo("default"));
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
