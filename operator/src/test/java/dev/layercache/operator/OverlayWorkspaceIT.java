package dev.layercache.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheSpec;
import dev.layercache.api.v1alpha1.LocalSecretRef;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.OverlayWorkspaceSpec;
import dev.layercache.api.v1alpha1.OverlayWorkspaceStatus;
import dev.layercache.api.v1alpha1.WorkspacePhase;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import dev.layercache.operator.nodecache.NodeCacheView;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** OverlayWorkspaces on a simulated three-node cluster with a real registry. */
public class OverlayWorkspaceIT {
  @RegisterExtension static final RegistryExtension REGISTRY = RegistryExtension.anonymous();

  private static final Duration WAIT = Duration.ofSeconds(30);

  /** Polls until the assertion holds; reads may see objects not yet reconciled. */
  private static ConditionFactory eventually() {
    return await().atMost(WAIT).ignoreExceptions();
  }

  private static final String NS = "default";

  private SimulatedCluster cluster;
  private TestImage sample;
  private String image;

  @BeforeEach
  void start() throws Exception {
    cluster = new SimulatedCluster();
    sample = TestImages.sample(ImageFormat.OCI, TestImages.AMD64);
    ImageReference ref = REGISTRY.reference("team/base:1");
    sample.push(REGISTRY.client(), ref);
    image = ref.toString();
    cluster.addNode("node-a", Map.of("pool", "build"));
    cluster.addNode("node-b", Map.of("pool", "build", "warm", "yes"));
    cluster.addNode("node-c", Map.of("pool", "build"));
    cluster.startOperator(REGISTRY);
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void landsOnTheNodeHoldingItsLayersAndIsReleasedOnlyAfterTheAgentUnmounts() {
    warm();
    eventually()
        .untilAsserted(
            () ->
                assertThat(cluster.layerCache("warm").getStatus().getReadyNodes())
                    .isEqualTo("1/1"));

    OverlayWorkspace created =
        create(
            "dev",
            s ->
                s.setNodeSelector(
                    new LabelSelectorBuilder().addToMatchLabels("pool", "build").build()));
    String uid = created.getMetadata().getUid();

    eventually()
        .untilAsserted(
            () -> {
              OverlayWorkspaceStatus status = cluster.workspace(NS, "dev").getStatus();
              assertThat(status.getNodeName()).isEqualTo("node-b");
              assertThat(status.getPhase()).isEqualTo(WorkspacePhase.Ready);
              assertThat(status.getMergedPath()).isEqualTo(FakeAgent.mergedPath(uid));
              assertThat(status.getUpperBytes()).isEqualTo(FakeAgent.UPPER_BYTES);
              assertThat(status.getUpperSize()).isEqualTo("4Ki");
              assertThat(status.getImageDigest()).isEqualTo(sample.digest().toString());
              assertThat(condition(status, OverlayWorkspaceStatus.READY).getStatus())
                  .isEqualTo("True");
            });
    WorkspaceRef entry = NodeCacheView.of(cluster.nodeCache("node-b")).specWorkspaces().get(0);
    assertThat(entry.getUid()).isEqualTo(uid);
    assertThat(entry.getLowers())
        .containsExactlyElementsOf(sample.diffIds().stream().map(Object::toString).toList());
    assertThat(cluster.workspace(NS, "dev").getMetadata().getFinalizers()).isNotEmpty();
    assertThat(cluster.nodeCache("node-b").getStatus().getSavings().getSavedBytes()).isPositive();

    cluster.agent("node-b").holdRemovals(true);
    cluster.client.resource(created).delete();
    eventually()
        .untilAsserted(
            () -> {
              assertThat(NodeCacheView.of(cluster.nodeCache("node-b")).specWorkspaces()).isEmpty();
              OverlayWorkspace terminating = cluster.workspace(NS, "dev");
              assertThat(terminating).isNotNull();
              assertThat(terminating.getStatus().getPhase()).isEqualTo(WorkspacePhase.Terminating);
            });

    cluster.agent("node-b").holdRemovals(false);
    eventually().untilAsserted(() -> assertThat(cluster.workspace(NS, "dev")).isNull());
  }

  @Test
  void deletingAWorkspacePodsUseWaitsForThemAndSaysSo() {
    OverlayWorkspace created = create("shared", s -> s.setNodeName("node-a"));
    cluster.agent("node-a").usedByPods(List.of("pod-uid-1", "pod-uid-2"));
    eventually()
        .untilAsserted(
            () -> {
              OverlayWorkspaceStatus status = cluster.workspace(NS, "shared").getStatus();
              assertThat(status.getPhase()).isEqualTo(WorkspacePhase.Ready);
              assertThat(status.getPods()).containsExactly("pod-uid-1", "pod-uid-2");
            });

    cluster.client.resource(created).delete();
    eventually()
        .untilAsserted(
            () -> {
              OverlayWorkspaceStatus status = cluster.workspace(NS, "shared").getStatus();
              assertThat(status.getPhase()).isEqualTo(WorkspacePhase.Terminating);
              assertThat(status.getPods()).containsExactly("pod-uid-1", "pod-uid-2");
              Condition ready = condition(status, OverlayWorkspaceStatus.READY);
              assertThat(ready.getReason()).isEqualTo("InUseByPods");
              assertThat(ready.getMessage())
                  .isEqualTo(
                      "waiting for 2 pods on node node-a to stop using the workspace (pod-uid-1,"
                          + " pod-uid-2); it stays mounted until their volumes are gone");
            });

    cluster.agent("node-a").usedByPods(List.of());
    eventually().untilAsserted(() -> assertThat(cluster.workspace(NS, "shared")).isNull());
  }

  @Test
  void tiesInHeldBytesGoToTheNodeWithFewestWorkspaces() {
    cluster.label("node-a", "warm", "yes");
    warm();
    eventually()
        .untilAsserted(
            () ->
                assertThat(cluster.layerCache("warm").getStatus().getReadyNodes())
                    .isEqualTo("2/2"));
    create("pinned", s -> s.setNodeName("node-b"));
    eventually().untilAsserted(() -> assertThat(phase("pinned")).isEqualTo(WorkspacePhase.Ready));

    create(
        "free",
        s -> s.setNodeSelector(new LabelSelectorBuilder().addToMatchLabels("warm", "yes").build()));
    eventually().untilAsserted(() -> assertThat(phase("free")).isEqualTo(WorkspacePhase.Ready));
    assertThat(cluster.workspace(NS, "free").getStatus().getNodeName()).isEqualTo("node-a");
  }

  @Test
  void aWorkspaceWhoseNodeIsLostFailsWithNodeGone() {
    create("stranded", s -> s.setNodeName("node-c"));
    eventually().untilAsserted(() -> assertThat(phase("stranded")).isEqualTo(WorkspacePhase.Ready));

    cluster.deleteNode("node-c");

    eventually()
        .untilAsserted(
            () -> {
              OverlayWorkspaceStatus status = cluster.workspace(NS, "stranded").getStatus();
              assertThat(status.getPhase()).isEqualTo(WorkspacePhase.Failed);
              assertThat(status.getNodeName()).isEqualTo("node-c");
              Condition ready = condition(status, OverlayWorkspaceStatus.READY);
              assertThat(ready.getReason()).isEqualTo("NodeGone");
              assertThat(ready.getMessage()).isEqualTo("node node-c no longer exists");
            });
  }

  @Test
  void ttlDeletesTheWorkspaceAfterItWasReady() {
    create("short", s -> s.setTtlSecondsAfterReady(1L));
    eventually().untilAsserted(() -> assertThat(cluster.workspace(NS, "short")).isNull());
    assertThat(cluster.events())
        .anySatisfy(e -> assertThat(e.getInvolvedObject().getName()).isEqualTo("short"));
  }

  @Test
  void withoutAnEligibleNodeItStaysPendingAndSaysWhy() {
    create(
        "nowhere",
        s -> s.setNodeSelector(new LabelSelectorBuilder().addToMatchLabels("pool", "gpu").build()));
    eventually()
        .untilAsserted(
            () -> {
              OverlayWorkspaceStatus status = cluster.workspace(NS, "nowhere").getStatus();
              assertThat(status.getPhase()).isEqualTo(WorkspacePhase.Pending);
              Condition scheduled = condition(status, OverlayWorkspaceStatus.SCHEDULED);
              assertThat(scheduled.getStatus()).isEqualTo("False");
              assertThat(scheduled.getReason()).isEqualTo("NoEligibleNode");
              assertThat(scheduled.getMessage()).contains("no node matches spec.nodeSelector");
            });

    cluster.label("node-c", "pool", "gpu");
    eventually()
        .untilAsserted(
            () -> {
              OverlayWorkspaceStatus status = cluster.workspace(NS, "nowhere").getStatus();
              assertThat(status.getNodeName()).isEqualTo("node-c");
              assertThat(status.getPhase()).isEqualTo(WorkspacePhase.Ready);
            });
  }

  @Test
  void aWorkspaceWhoseNodeIsGoneIsReleasedWithAWarning() {
    create("orphan", s -> s.setNodeName("node-a"));
    eventually().untilAsserted(() -> assertThat(phase("orphan")).isEqualTo(WorkspacePhase.Ready));

    cluster.deleteNode("node-a");
    cluster.client.resources(OverlayWorkspace.class).inNamespace(NS).withName("orphan").delete();

    eventually().untilAsserted(() -> assertThat(cluster.workspace(NS, "orphan")).isNull());
    assertThat(cluster.events())
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo("NodeGone");
              assertThat(e.getMessage()).contains("node-a");
            });
  }

  @Test
  void aFailureNoStepHandlesSetsReadyFalseWithItsMessage() {
    cluster.breakRegistryClients("simulated bug in the registry client");
    create("buggy", s -> {});
    eventually()
        .untilAsserted(
            () -> {
              Condition ready =
                  condition(
                      cluster.workspace(NS, "buggy").getStatus(), OverlayWorkspaceStatus.READY);
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("ReconcileError");
              assertThat(ready.getMessage()).isEqualTo("simulated bug in the registry client");
            });

    cluster.breakRegistryClients(null);
    eventually().untilAsserted(() -> assertThat(phase("buggy")).isEqualTo(WorkspacePhase.Ready));
  }

  @Test
  void aMissingPullSecretKeepsItPendingAndNamesTheSecret() {
    create(
        "secretless",
        s -> {
          LocalSecretRef ref = new LocalSecretRef();
          ref.setName("regcred");
          s.setPullSecrets(List.of(ref));
        });
    eventually()
        .untilAsserted(
            () -> {
              OverlayWorkspaceStatus status = cluster.workspace(NS, "secretless").getStatus();
              assertThat(status.getPhase()).isEqualTo(WorkspacePhase.Pending);
              Condition scheduled = condition(status, OverlayWorkspaceStatus.SCHEDULED);
              assertThat(scheduled.getReason()).isEqualTo("PullSecretNotFound");
              assertThat(scheduled.getMessage()).isEqualTo("pull secret default/regcred not found");
            });
  }

  /** A LayerCache keeping the image on the nodes labelled warm=yes; waits until they hold it. */
  private void warm() {
    LayerCache warm = new LayerCache();
    warm.getMetadata().setName("warm");
    LayerCacheSpec spec = new LayerCacheSpec();
    spec.setImages(List.of(image));
    spec.setNodeSelector(new LabelSelectorBuilder().addToMatchLabels("warm", "yes").build());
    warm.setSpec(spec);
    cluster.client.resource(warm).create();
    eventually()
        .untilAsserted(
            () -> {
              String ready = cluster.layerCache("warm").getStatus().getReadyNodes();
              assertThat(ready).isIn("1/1", "2/2");
            });
  }

  private OverlayWorkspace create(String name, Consumer<OverlayWorkspaceSpec> spec) {
    OverlayWorkspace workspace = new OverlayWorkspace();
    workspace.getMetadata().setName(name);
    workspace.getMetadata().setNamespace(NS);
    OverlayWorkspaceSpec s = new OverlayWorkspaceSpec();
    s.setImage(image);
    spec.accept(s);
    workspace.setSpec(s);
    return cluster.client.resource(workspace).create();
  }

  private WorkspacePhase phase(String name) {
    OverlayWorkspace workspace = cluster.workspace(NS, name);
    return workspace == null || workspace.getStatus() == null
        ? null
        : workspace.getStatus().getPhase();
  }

  private static Condition condition(OverlayWorkspaceStatus status, String type) {
    return Conditions.find(status.getConditions(), type).orElseThrow();
  }
}
