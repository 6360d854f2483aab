package dev.layercache.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.OverlayMounter;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.store.DiskBudget;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.api.testing.Edits;
import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.MonitoringQueries;
import dev.layercache.api.testing.RenderedDeploy;
import dev.layercache.api.v1alpha1.CommitSpec;
import dev.layercache.api.v1alpha1.CommitState;
import dev.layercache.api.v1alpha1.CommitStatus;
import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.Layer;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.LayerStatus;
import dev.layercache.api.v1alpha1.LocalSecretRef;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.api.v1alpha1.WorkspaceState;
import dev.layercache.api.v1alpha1.WorkspaceStatus;
import dev.layercache.kube.HealthServer;
import dev.layercache.kube.PullSecrets;
import dev.layercache.oci.Compression;
import dev.layercache.oci.CredentialStore;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.FaultyProxy;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real agent against the JVM's real control plane ({@link KubeControlPlane}, deploy/
 * installed), the real registry and real overlay mounts: it converges its NodeCache's spec and
 * reports in its status. The agent authenticates as deploy/'s agent ServiceAccount with a token
 * bound to a pod on its node, so deploy/'s RBAC and admission policy apply to everything it does;
 * the test arranges and observes as admin.
 */
class NodeAgentIT {
  @RegisterExtension
  static RegistryExtension registry = RegistryExtension.withBasicAuth("puller", "pa55");

  static final String NODE = "worker-1";

  @TempDir Path root;
  final KubeControlPlane plane = new KubeControlPlane();

  /** Admin: what the test arranges and observes with. */
  KubernetesClient kube;

  /** The agent's own identity. */
  KubernetesClient agentKube;

  LayerStore store;
  NodeAgent agent;
  HealthServer http;
  PrometheusMeterRegistry metrics;

  @BeforeEach
  void startApiServer() throws Exception {
    RootRequired.assumeOverlayfs();
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
    startAgent();
  }

  /** Starts the agent, as its own ServiceAccount. */
  void startAgent() throws Exception {
    KernelFeatures kernel = KernelFeatures.get();
    metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics.config().commonTags("node", NODE);
    WorkspaceManager workspaces =
        new WorkspaceManager(
            store, new OverlayMounter(kernel, store.layout().links()), kernel, Clock.systemUTC());
    workspaces.recover(); // as the daemon does before the agent starts
    agent =
        new NodeAgent(
            agentKube,
            NODE,
            store,
            workspaces,
            // No credentials of its own: only what the pull secret gives.
            new RegistryClients(
                new PullSecrets(agentKube, Set.of(), "layercache-system/layercache-agent"),
                credentials ->
                    new HttpRegistryClient(
                        registry
                            .configBuilder()
                            .credentials(CredentialStore.empty().with(credentials))
                            .build())),
            DiskBudget.defaults(),
            new AgentMetrics(metrics),
            Clock.systemUTC(),
            "test",
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            null);
    http = new HealthServer(0, metrics, agent::healthy);
    agent.start();
  }

  void stopAgent() {
    agent.close();
    http.close();
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      stopAgent();
      // Leave no mount behind: remove every workspace the agent made.
      KernelFeatures kernel = KernelFeatures.get();
      WorkspaceManager manager =
          new WorkspaceManager(
              store, new OverlayMounter(kernel, store.layout().links()), kernel, Clock.systemUTC());
      for (var ws : manager.list()) {
        manager.remove(
            ws.record().name(), ws.record().owner(), WorkspaceManager.UpperPolicy.DELETE, true);
      }
      store.close();
    }
    if (agentKube != null) {
      agentKube.close();
      deleteNodeCache();
    }
  }

  /** The tests share the JVM's control plane: each starts without the node's NodeCache. */
  void deleteNodeCache() {
    kube.resources(NodeCache.class).withName(NODE).delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> kube.resources(NodeCache.class).withName(NODE).get() == null);
  }

  static TestImage image() {
    return ImageBuilder.oci(TestImages.AMD64)
        .layer(
            new TarBuilder().file("etc/os-release", "ID=agent\n").file("etc/old", "old"),
            Compression.GZIP)
        .layer(new TarBuilder().file("app/run", "run").whiteout("etc/old"), Compression.ZSTD)
        .build();
  }

  NodeCache nodeCache(TestImage image, ImageReference ref, List<WorkspaceRef> workspaces) {
    NodeCacheSpec spec = new NodeCacheSpec();
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
                  LayerSource source = new LayerSource();
                  source.setRegistry(ref.registry());
                  source.setRepository(ref.repository());
                  SecretRef secret = new SecretRef();
                  secret.setName("regcred");
                  secret.setNamespace("layercache-system");
                  source.setPullSecrets(List.of(secret));
                  layer.setSources(List.of(source));
                  return layer;
                })
            .toList());
    spec.setWorkspaces(workspaces);
    NodeCache nc = new NodeCache();
    nc.setMetadata(new ObjectMetaBuilder().withName(NODE).build());
    nc.setSpec(spec);
    return nc;
  }

  static WorkspaceRef workspace(String uid, TestImage image) {
    WorkspaceRef ws = new WorkspaceRef();
    ws.setUid(uid);
    ws.setNamespace("team");
    ws.setName("scratch");
    ws.setLowers(image.diffIds().stream().map(Object::toString).toList());
    return ws;
  }

  NodeCacheStatus status() {
    NodeCache nc = kube.resources(NodeCache.class).withName(NODE).get();
    return nc == null ? null : nc.getStatus();
  }

  @Test
  void warmsTheLayersMountsTheWorkspaceAndReportsSavings() throws Exception {
    TestImage image = image();
    ImageReference ref = registry.reference("team/app:1");
    image.push(registry.client(), ref);
    String uid = "0b5a2c1e-6f7d-4d7a-9c55-1d2e3f4a5b6c";
    kube.resource(nodeCache(image, ref, List.of(workspace(uid, image)))).create();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                status() != null
                    && "2/2".equals(status().getReadyLayers())
                    && status().getWorkspaces() != null
                    && status().getWorkspaces().stream()
                        .anyMatch(w -> w.getState() == WorkspaceState.Mounted));
    NodeCacheStatus status = status();
    assertThat(status.getLayers()).extracting(LayerStatus::getState).containsOnly(LayerState.Ready);
    WorkspaceStatus ws = status.getWorkspaces().get(0);
    Path merged = Path.of(ws.getMergedPath());
    assertThat(Files.readString(merged.resolve("etc/os-release"))).isEqualTo("ID=agent\n");
    assertThat(merged.resolve("app/run")).exists();
    assertThat(merged.resolve("etc/old")).doesNotExist();
    Files.writeString(merged.resolve("scratch.txt"), "written by a user");
    assertThat(Path.of(ws.getUpperPath()).resolve("scratch.txt")).exists();

    // One image (its layers once) plus one workspace over the same layers.
    long layerBytes = status.getDisk().getLayerBytes();
    assertThat(status.getDisk().getWastedBytes())
        .as("etc/old, removed by the image's top layer")
        .isEqualTo("old".length());
    assertThat(status.getWasted()).isEqualTo("3");
    assertThat(layerBytes).isEqualTo("ID=agent\n".length() + "old".length() + "run".length());
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              NodeCacheStatus now = status();
              long upper = now.getDisk().getUpperBytes();
              assertThat(upper).isEqualTo("written by a user".length());
              assertThat(now.getSavings().getLogicalBytes()).isEqualTo(2 * layerBytes + upper);
              assertThat(now.getSavings().getPhysicalBytes()).isEqualTo(layerBytes + upper);
              assertThat(now.getSavings().getSavedBytes()).isEqualTo(layerBytes);
            });
    assertThat(status.getConditions())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Ready");
              assertThat(c.getStatus()).isEqualTo("True");
            });
    assertThat(store.pins()).singleElement().satisfies(p -> assertThat(p.diffIds()).hasSize(2));
    assertThat(store.image(ref.toString())).isPresent();

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.http.port() + "/healthz"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    String scrape =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + this.http.port() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(scrape)
        .contains("layercache_saved_bytes{node=\"worker-1\"} " + layerBytes)
        .contains("layercache_layers_cached{node=\"worker-1\"} 2")
        .contains("layercache_pulled_bytes_total{node=\"worker-1\"}")
        .contains("layercache_layer_pull_duration_seconds_bucket{node=\"worker-1\",le=\"+Inf\"}")
        .contains("layercache_disk_pressure{node=\"worker-1\"} 0.0")
        // No containerd here: nothing it does not store twice.
        .contains("layercache_containerd_saved_bytes{node=\"worker-1\"} 0.0")
        .doesNotContain("layercache_last_sync_timestamp_seconds{node=\"worker-1\"} 0.0");
    // Every agent metric deploy/monitoring's dashboard and alerts read, from the running agent.
    assertThat(MonitoringQueries.served(scrape))
        .containsAll(
            MonitoringQueries.metrics().stream()
                .filter(MonitoringQueries.OPERATOR.negate())
                .filter(m -> !MonitoringQueries.PROMETHEUS_OWN.contains(m))
                .toList());
    assertThat(MonitoringQueries.unconventional(scrape)).isEmpty();

    // The operator drops the workspace from the spec: the agent unmounts it and says so.
    Edits.retryingConflicts(
        kube.resources(NodeCache.class).withName(NODE),
        nc -> {
          nc.getSpec().setWorkspaces(List.of());
          return nc;
        });
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                status().getWorkspaces().stream()
                    .anyMatch(
                        w -> uid.equals(w.getUid()) && w.getState() == WorkspaceState.Removed));
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(merged.toString());
    assertThat(Path.of(ws.getUpperPath())).doesNotExist();
  }

  @Test
  void anAgentRestartedMidPullConverges() throws Exception {
    byte[] noise = new byte[4 << 20];
    new java.util.Random(5).nextBytes(noise);
    TestImage image =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(new TarBuilder().file("data/noise", noise, 0644), Compression.GZIP)
            .layer(new TarBuilder().file("app/run", "run"), Compression.GZIP)
            .build();
    ImageReference ref = registry.reference("team/restart:1");
    image.push(registry.client(), ref);
    try (FaultyProxy proxy = FaultyProxy.start(registry.url())) {
      proxy.throttleBlobs(1 << 20); // four seconds for the big layer
      ImageReference viaProxy = proxy.reference(ref);
      pullSecretFor(registry.host(), proxy.host());
      kube.resource(nodeCache(image, viaProxy, List.of())).create();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  status() != null
                      && status().getLayers().stream()
                          .anyMatch(
                              l -> l.getState() == LayerState.Pulling && l.getBytesDone() > 0));

      // The agent goes away mid-layer; a new one starts on the same store, as after a restart.
      stopAgent();
      store.close();
      proxy.throttleBlobs(-1);
      store = LayerStore.open(root);
      try (var staging = Files.list(store.layout().staging())) {
        assertThat(staging).as("what the old agent left half-done is gone").isEmpty();
      }
      startAgent();
      await().atMost(Duration.ofSeconds(30)).until(() -> "2/2".equals(status().getReadyLayers()));
      assertThat(
              Files.readAllBytes(
                  store
                      .layout()
                      .layerDiff(image.diffIds().get(0).toString())
                      .resolve("data/noise")))
          .isEqualTo(noise);
      assertThat(agent.healthy()).isTrue();
    }
  }

  @Test
  void aConvergedNodeWritesNothingUntilSomethingShownChanges() throws Exception {
    byte[] noise = new byte[1 << 20];
    new java.util.Random(7).nextBytes(noise);
    TestImage image =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(new TarBuilder().file("data/noise", noise, 0644), Compression.GZIP)
            .layer(new TarBuilder().file("app/run", "run"), Compression.GZIP)
            .build();
    ImageReference ref = registry.reference("team/quiet:1");
    image.push(registry.client(), ref);
    try (FaultyProxy proxy = FaultyProxy.start(registry.url())) {
      pullSecretFor(registry.host(), proxy.host());
      String uid = "5d1e4b7a-2c3f-4e8d-9a6b-7c8d9e0f1a2b";
      WorkspaceRef ws = workspace(uid, image);
      ws.setLowers(List.of(image.diffIds().get(1).toString()));
      NodeCache nodeCache = nodeCache(image, proxy.reference(ref), List.of(ws));
      nodeCache.getSpec().getLayers().get(0).setPinned(false); // so the test can evict it
      kube.resource(nodeCache).create();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  status() != null
                      && "2/2".equals(status().getReadyLayers())
                      && Conditions.isTrue(status().getConditions(), NodeCacheStatus.READY));

      List<NodeCache> writes = new CopyOnWriteArrayList<>();
      try (Watch watch =
          kube.resources(NodeCache.class)
              .withName(NODE)
              .watch(
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, NodeCache nc) {
                      if (action == Action.MODIFIED) {
                        writes.add(nc);
                      }
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                  })) {
        String syncedAt = status().getLastSyncTime();
        // Several resyncs (every second here), each measuring the upper layer and the disk anew.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).until(writes::isEmpty);
        assertThat(status().getLastSyncTime()).isEqualTo(syncedAt);

        // A layer goes missing behind the agent's back: it pulls it again (slowly) and says so.
        proxy.throttleBlobs(256 << 10);
        assertThat(store.evict(image.diffIds().get(0).toString())).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> "2/2".equals(status().getReadyLayers()));
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(writes)
                        .extracting(nc -> nc.getStatus().getReadyLayers())
                        .contains("1/2")
                        .last()
                        .isEqualTo("2/2"));
        assertThat(writes)
            .extracting(nc -> nc.getMetadata().getResourceVersion())
            .doesNotHaveDuplicates();
        assertThat(status().getLastSyncTime()).isNotEqualTo(syncedAt);
      }
    }
  }

  /** Rewrites the pull secret with the same credentials for each of these registry hosts. */
  void pullSecretFor(String... hosts) {
    String auth =
        Base64.getEncoder().encodeToString("puller:pa55".getBytes(StandardCharsets.UTF_8));
    StringBuilder auths = new StringBuilder();
    for (String host : hosts) {
      auths
          .append(auths.length() == 0 ? "" : ",")
          .append("\"")
          .append(host)
          .append("\":{\"auth\":\"")
          .append(auth)
          .append("\"}");
    }
    String dockerConfig = "{\"auths\":{" + auths + "}}";
    kube.secrets()
        .inNamespace("layercache-system")
        .withName("regcred")
        .edit(
            secret -> {
              secret
                  .getData()
                  .put(
                      ".dockerconfigjson",
                      Base64.getEncoder()
                          .encodeToString(dockerConfig.getBytes(StandardCharsets.UTF_8)));
              return secret;
            });
  }

  @Test
  void aWorkspaceWithACommitPushesItsUpperLayerAsANewImage() throws Exception {
    TestImage image = image();
    ImageReference ref = registry.reference("team/app:2");
    image.push(registry.client(), ref);
    // The push secret lives in the workspace's namespace, where its owner lets the agent read it.
    RenderedDeploy.grantSecretReads(kube, "team", "layercache-agent");
    kube.resource(
            new SecretBuilder()
                .withMetadata(
                    new ObjectMetaBuilder().withName("pushcred").withNamespace("team").build())
                .withType("kubernetes.io/dockerconfigjson")
                .withData(
                    kube.secrets()
                        .inNamespace("layercache-system")
                        .withName("regcred")
                        .get()
                        .getData())
                .build())
        .fieldManager(KubeControlPlane.FIELD_MANAGER)
        .forceConflicts()
        .serverSideApply();
    String uid = "7d1c0e2a-0000-4000-8000-000000000001";
    WorkspaceRef ws = workspace(uid, image);
    ws.setImage(ref.withDigest(image.digest()).toString()); // pinned, as the operator writes it
    CommitSpec commit = new CommitSpec();
    commit.setImage(registry.reference("team/app:committed").toString());
    LocalSecretRef pushSecret = new LocalSecretRef();
    pushSecret.setName("pushcred");
    commit.setPushSecret(pushSecret);
    ws.setCommit(commit);
    // Something to commit must be in the upper layer before the agent sees the commit: mount first.
    WorkspaceRef mountOnly = workspace(uid, image);
    mountOnly.setImage(ws.getImage());
    kube.resource(nodeCache(image, ref, List.of(mountOnly))).create();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                status() != null
                    && status().getWorkspaces().stream()
                        .anyMatch(w -> w.getState() == WorkspaceState.Mounted));
    Path merged = Path.of(status().getWorkspaces().get(0).getMergedPath());
    Files.writeString(merged.resolve("result.txt"), "laminated");
    Files.delete(merged.resolve("app/run"));

    Edits.retryingConflicts(
        kube.resources(NodeCache.class).withName(NODE),
        nc -> {
          nc.getSpec().setWorkspaces(List.of(ws));
          return nc;
        });
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              CommitStatus committed = status().getWorkspaces().get(0).getCommitted();
              return committed != null && committed.getState() != CommitState.Pushing;
            });
    CommitStatus committed = status().getWorkspaces().get(0).getCommitted();
    assertThat(committed.getState()).as(committed.getMessage()).isEqualTo(CommitState.Pushed);
    var pushed =
        registry.client().resolve(registry.reference("team/app:committed"), TestImages.AMD64);
    assertThat(pushed.manifestDigest().toString()).isEqualTo(committed.getDigest());
    assertThat(pushed.layers()).hasSize(image.layers().size() + 1);
    assertThat(pushed.diffIds().subList(0, 2)).isEqualTo(image.diffIds());
  }

  /**
   * deploy/ lets the agent read Secrets in layercache-system only; a pull secret in team-a with no
   * RoleBinding there is refused by the server's RBAC.
   */
  @Test
  void aForbiddenPullSecretFailsOnlyTheLayersThatNameItAndTheNodeKeepsReporting() throws Exception {
    kube.resource(new NamespaceBuilder().withNewMetadata().withName("team-a").endMetadata().build())
        .fieldManager(KubeControlPlane.FIELD_MANAGER)
        .serverSideApply();
    kube.resource(
            new SecretBuilder(
                    kube.secrets().inNamespace("layercache-system").withName("regcred").get())
                .withMetadata(
                    new ObjectMetaBuilder().withName("private").withNamespace("team-a").build())
                .build())
        .fieldManager(KubeControlPlane.FIELD_MANAGER)
        .forceConflicts()
        .serverSideApply();
    TestImage image = image();
    ImageReference ref = registry.reference("team/app:1");
    image.push(registry.client(), ref);
    NodeCache nodeCache = nodeCache(image, ref, List.of());
    SecretRef forbidden = new SecretRef();
    forbidden.setNamespace("team-a");
    forbidden.setName("private");
    LayerRef top = nodeCache.getSpec().getLayers().get(1);
    top.getSources().get(0).setPullSecrets(List.of(forbidden));
    kube.resource(nodeCache).create();

    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              NodeCacheStatus status = status();
              assertThat(status.getLastSyncTime()).isNotNull();
              assertThat(status.getReadyLayers()).isEqualTo("1/2");
              LayerStatus failed =
                  status.getLayers().stream()
                      .filter(l -> l.getDiffID().equals(top.getDiffID()))
                      .findFirst()
                      .orElseThrow();
              assertThat(failed.getState()).isEqualTo(LayerState.Failed);
              assertThat(failed.getReason()).isEqualTo("PullSecretForbidden");
              assertThat(failed.getMessage())
                  .contains("pull secret team-a/private")
                  .contains(
                      "kubectl -n team-a create rolebinding layercache-pull-secrets"
                          + " --clusterrole=layercache-pull-secret-reader"
                          + " --serviceaccount=layercache-system:layercache-agent");
            });
    assertThat(agent.healthy()).isTrue();
  }

  @Test
  void anUnreachableLayerIsReportedFailedWithTheRegistrysReason() throws Exception {
    TestImage image = image(); // never pushed
    ImageReference ref = registry.reference("team/missing:1");
    kube.resource(nodeCache(image, ref, List.of())).create();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                status() != null
                    && status().getLayers().stream()
                        .allMatch(l -> l.getState() == LayerState.Failed));
    Optional<LayerStatus> failed = status().getLayers().stream().findFirst();
    assertThat(failed.get().getMessage()).contains("team/missing").contains("BLOB_UNKNOWN");
    assertThat(failed.get().getReason()).isEqualTo("ImageNotFound");
    assertThat(status().getConditions())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Ready");
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getReason()).isEqualTo("LayerFailed");
            });
  }
}
