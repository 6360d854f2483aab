package dev.layercache.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layercache.agent.cri.CriImageClient;
import dev.layercache.agent.cri.FakeImageService;
import dev.layercache.agent.daemon.UnixSocketGrpcServer;
import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.OverlayMounter;
import dev.layercache.agent.snapshot.ChainId;
import dev.layercache.agent.snapshot.ColdLayers;
import dev.layercache.agent.snapshot.Snapshotter;
import dev.layercache.agent.store.DiskBudget;
import dev.layercache.agent.store.LayerRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.RenderedDeploy;
import dev.layercache.api.v1alpha1.ContainerdSavings;
import dev.layercache.api.v1alpha1.Layer;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.kube.LayerSources;
import dev.layercache.kube.PullSecrets;
import dev.layercache.oci.CredentialStore;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TestImage;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's CRI pulls and containerd savings as a user reads them in the NodeCache, against the
 * JVM's real control plane (deploy/ installed, the agent as its own ServiceAccount) and a registry
 * with basic auth. The container runtime is a CRI image service the test serves on a unix socket
 * ({@link FakeImageService}; CriPullIT does the same with containerd); containerd's snapshots are
 * the records a real {@link Snapshotter} on the agent's store writes.
 */
class AgentCriIT {
  @RegisterExtension
  static RegistryExtension registry = RegistryExtension.withBasicAuth("puller", "pa55");

  static final String NODE = "worker-1";

  @TempDir Path root;
  final KubeControlPlane plane = new KubeControlPlane();
  final FakeImageService runtime = new FakeImageService();
  KubernetesClient kube;
  KubernetesClient agentKube;
  LayerStore store;
  UnixSocketGrpcServer cri;
  CriImageClient criClient;
  NodeAgent agent;

  @BeforeEach
  void start() throws Exception {
    kube = plane.admin();
    RenderedDeploy.install(plane);
    deleteNodeCache();
    agentKube = plane.podBoundClient("layercache-system", "layercache-agent", NODE);
    String auth =
        Base64.getEncoder().encodeToString("puller:pa55".getBytes(StandardCharsets.UTF_8));
    String dockerConfig = "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}";
    kube.resource(
            new SecretBuilder()
                .withMetadata(
                    new ObjectMetaBuilder()
                        .withName("regcred")
                        .withNamespace("layercache-system")
                        .build())
                .withType("kubernetes.io/dockerconfigjson")
                .addToData(
                    ".dockerconfigjson",
                    Base64.getEncoder()
                        .encodeToString(dockerConfig.getBytes(StandardCharsets.UTF_8)))
                .build())
        .fieldManager(KubeControlPlane.FIELD_MANAGER)
        .forceConflicts()
        .serverSideApply();
    store = LayerStore.open(root);
    cri = UnixSocketGrpcServer.start(root.resolve("run/cri.sock"), runtime);
    criClient = new CriImageClient(cri.socket(), "layercache");
    KernelFeatures kernel = KernelFeatures.get();
    agent =
        new NodeAgent(
            agentKube,
            NODE,
            store,
            new WorkspaceManager(
                store,
                new OverlayMounter(kernel, store.layout().links()),
                kernel,
                Clock.systemUTC()),
            new RegistryClients(
                new PullSecrets(agentKube, Set.of(), "layercache-system/layercache-agent"),
                credentials ->
                    new HttpRegistryClient(
                        registry
                            .configBuilder()
                            .credentials(CredentialStore.empty().with(credentials))
                            .build())),
            DiskBudget.defaults(),
            new AgentMetrics(new SimpleMeterRegistry()),
            Clock.systemUTC(),
            "test",
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            criClient);
    agent.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (criClient != null) {
      criClient.close();
    }
    if (cri != null) {
      cri.close();
    }
    if (store != null) {
      store.close();
    }
    if (agentKube != null) {
      agentKube.close();
      deleteNodeCache();
    }
  }

  void deleteNodeCache() {
    kube.resources(NodeCache.class).withName(NODE).delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> kube.resources(NodeCache.class).withName(NODE).get() == null);
  }

  /** The NodeCache the operator writes for a LayerCache of {@code ref} with pull secret regcred. */
  static NodeCache nodeCache(TestImage image, ImageReference ref) {
    ResolvedImage resolved = new ResolvedImage();
    resolved.setImage(ref.toString());
    resolved.setDigest(image.digest().toString());
    resolved.setPlatform("linux/amd64");
    resolved.setLayers(
        image.layers().stream()
            .map(
                l -> {
                  Layer layer = new Layer();
                  layer.setDigest(l.descriptor().digest().toString());
                  layer.setDiffID(l.diffId().toString());
                  layer.setSize(l.descriptor().size());
                  layer.setMediaType(l.descriptor().mediaType());
                  return layer;
                })
            .toList());
    SecretRef secret = new SecretRef();
    secret.setName("regcred");
    secret.setNamespace("layercache-system");
    NodeCacheSpec spec = new NodeCacheSpec();
    spec.setImages(List.of(resolved));
    spec.setLayers(
        image.layers().stream()
            .map(
                l -> {
                  LayerRef layer = new LayerRef();
                  layer.setDigest(l.descriptor().digest().toString());
                  layer.setDiffID(l.diffId().toString());
                  layer.setSize(l.descriptor().size());
                  layer.setMediaType(l.descriptor().mediaType());
                  layer.setPinned(true);
                  layer.setSources(List.of(LayerSources.of(ref.toString(), List.of(secret))));
                  return layer;
                })
            .toList());
    NodeCache nc = new NodeCache();
    nc.setMetadata(new ObjectMetaBuilder().withName(NODE).build());
    nc.setSpec(spec);
    return nc;
  }

  NodeCacheStatus status() {
    NodeCache nc = kube.resources(NodeCache.class).withName(NODE).get();
    return nc == null ? null : nc.getStatus();
  }

  Optional<Condition> imagesPresent() {
    NodeCacheStatus status = status();
    return status == null || status.getConditions() == null
        ? Optional.empty()
        : status.getConditions().stream()
            .filter(c -> c.getType().equals(NodeCacheStatus.IMAGES_PRESENT))
            .findFirst();
  }

  @Test
  void aWarmImageIsPulledWithItsPullSecretAndAFailedPullIsACondition() throws Exception {
    runtime.failPullsWith(Status.UNKNOWN.withDescription("failed to resolve: 401 Unauthorized"));
    TestImage image = NodeAgentIT.image();
    ImageReference ref = registry.reference("team/app:1");
    image.push(registry.client(), ref);
    kube.resource(nodeCache(image, ref)).create();

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                imagesPresent().map(c -> c.getStatus().equals("False")).orElse(false)
                    && Reasons.CRI_PULL_FAILED.equals(imagesPresent().get().getReason()));
    Condition failed = imagesPresent().orElseThrow();
    assertThat(failed.getMessage())
        .contains(
            "0/1 warm images present", ref + ": UNKNOWN: failed to resolve: 401 Unauthorized");
    assertThat(status().getReadyLayers()).as("layers converge regardless").isEqualTo("2/2");

    runtime.failPullsWith(null); // retried after the backoff
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> imagesPresent().map(c -> c.getStatus().equals("True")).orElse(false));
    assertThat(imagesPresent().orElseThrow().getMessage())
        .startsWith("1/1 warm images present in the container runtime at " + cri.socket());
    assertThat(runtime.pulls())
        .last()
        .satisfies(
            pull -> {
              assertThat(pull.getImage().getImage()).isEqualTo(ref.toString());
              assertThat(pull.getImage().getRuntimeHandler()).isEqualTo("layercache");
              assertThat(pull.getSandboxConfig().getAnnotationsMap())
                  .containsEntry(CriImageClient.RUNTIME_HANDLER_ANNOTATION, "layercache");
              assertThat(pull.getAuth().getUsername()).isEqualTo("puller");
              assertThat(pull.getAuth().getPassword()).isEqualTo("pa55");
            });
  }

  @Test
  void containerdSnapshotsOnStoreLayersAreReportedAsNotStoredTwice() throws Exception {
    TestImage image = NodeAgentIT.image();
    ImageReference ref = registry.reference("team/app:1");
    image.push(registry.client(), ref);
    kube.resource(nodeCache(image, ref)).create();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> status() != null && "2/2".equals(status().getReadyLayers()));
    assertThat(status().getSavings().getContainerd()).isNull();

    // containerd pulls the image on layercache's snapshotter: both layers answer from the store.
    Snapshotter snapshotter = new Snapshotter(store, ColdLayers.NONE, true, Clock.systemUTC());
    String chain = null;
    String parent = "";
    for (var diffId : image.diffIds()) {
      chain = ChainId.of(chain, diffId.toString());
      String target = chain;
      String below = parent;
      assertThatThrownBy(
              () ->
                  snapshotter.prepare(
                      "k8s.io/" + target, below, Map.of("containerd.io/snapshot.ref", target)))
          .hasMessageContaining("exists");
      parent =
          snapshotter.list().stream()
              .filter(s -> target.equals(s.chainId()))
              .findFirst()
              .orElseThrow()
              .name();
    }

    long unpacked = 0;
    long blobs = 0;
    for (var diffId : image.diffIds()) {
      LayerRecord layer = store.layer(diffId.toString()).orElseThrow();
      unpacked += layer.unpackedBytes();
      blobs += layer.compressedBytes();
    }
    long expectedUnpacked = unpacked;
    long expectedBlobs = blobs;
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ContainerdSavings containerd = status().getSavings().getContainerd();
              assertThat(containerd).isNotNull();
              assertThat(containerd.getSnapshots()).isEqualTo(2);
              assertThat(containerd.getLayers()).isEqualTo(2);
              assertThat(containerd.getUnpackedBytes()).isEqualTo(expectedUnpacked);
              assertThat(containerd.getBlobBytes()).isEqualTo(expectedBlobs);
              assertThat(containerd.getNotStoredTwiceBytes())
                  .isEqualTo(expectedUnpacked + expectedBlobs);
              assertThat(status().getContainerdSaved()).isNotBlank();
            });
    assertThat(Files.list(root.resolve("snapshots/records"))).hasSize(2);
  }
}
