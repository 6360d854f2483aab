package dev.layercache.e2e.scale;

import dev.layercache.agent.cluster.AgentMetrics;
import dev.layercache.agent.cluster.NodeAgent;
import dev.layercache.agent.cluster.RegistryClients;
import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.RecordingMounter;
import dev.layercache.agent.store.DiskBudget;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.RenderedDeploy;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheSpec;
import dev.layercache.api.v1alpha1.NodeCounts;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.OverlayWorkspaceSpec;
import dev.layercache.api.v1alpha1.WorkspacePhase;
import dev.layercache.kube.PullSecrets;
import dev.layercache.oci.Compression;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImages;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Issue 10's scale benchmark (not a test: it measures, it does not pass or fail): the JVM's real
 * control plane with deploy/ installed, the real operator as its own process, N real node agents in
 * this JVM (each with its own pod-bound identity, its own NodeCache watch and its own store; only
 * mounts are stubbed), 20 LayerCaches on every node and W OverlayWorkspaces. It prints the time
 * until all are Ready, the operator's heap and CPU, and the API server's requests per second at
 * steady state, by verb and resource.
 *
 * <p>Run by bench/scale.sh: {@code ScaleBenchmark NODES WORKSPACES OPERATOR_CLASSPATH WORKDIR}.
 */
public final class ScaleBenchmark {
  static final int LAYER_CACHES = 20;
  static final int NAMESPACES = 10;
  static final Duration READY_BOUND = Duration.ofMinutes(20);
  static final Duration SETTLE = Duration.ofSeconds(30);
  static final Duration STEADY_WINDOW = Duration.ofSeconds(60);

  private final int nodes;
  private final int workspaces;
  private final String operatorClasspath;
  private final Path workDir;
  private final KubeControlPlane plane = new KubeControlPlane();
  private final List<AutoCloseable> closeLast = new ArrayList<>();
  private final List<KubernetesClient> agentClients = new ArrayList<>();
  private final List<NodeAgent> agents = new ArrayList<>();
  private final List<LayerStore> stores = new ArrayList<>();
  private HttpClient.Factory sharedHttp;

  ScaleBenchmark(int nodes, int workspaces, String operatorClasspath, Path workDir) {
    this.nodes = nodes;
    this.workspaces = workspaces;
    this.operatorClasspath = operatorClasspath;
    this.workDir = workDir;
  }

  public static void main(String[] args) throws Exception {
    ScaleBenchmark bench =
        new ScaleBenchmark(
            Integer.parseInt(args[0]), Integer.parseInt(args[1]), args[2], Path.of(args[3]));
    try {
      bench.run();
    } finally {
      bench.close();
    }
    System.exit(0);
  }

  void run() throws Exception {
    say("load average at start: " + loadAverage());
    KubernetesClient admin = plane.admin();
    RenderedDeploy.install(plane);

    RegistryExtension registry = RegistryExtension.anonymous();
    registry.start();
    closeLast.add(registry::stop);
    List<String> images = pushImages(registry);

    Instant started = Instant.now();
    for (int i = 0; i < nodes; i++) {
      startAgent(admin, registry, nodeName(i));
    }
    say(nodes + " agents started in " + since(started));

    int port = freePort();
    OperatorProcess operator =
        new OperatorProcess(
            operatorClasspath,
            plane.kubeconfigWithToken(
                plane.serviceAccountToken("layercache-system", "layercache-operator")),
            "384m", // deploy/'s pod: 512Mi limit, -XX:MaxRAMPercentage=75
            port,
            workDir.resolve("operator.log"));
    closeLast.add(operator);
    Duration cpuAtStart = operator.cpu();
    say("operator pid " + operator.pid() + ", log " + workDir.resolve("operator.log"));

    Instant lcStart = Instant.now();
    for (int i = 0; i < LAYER_CACHES; i++) {
      LayerCacheSpec spec = new LayerCacheSpec();
      spec.setImages(List.of(images.get(i)));
      LayerCache lc = new LayerCache();
      lc.setMetadata(new ObjectMetaBuilder().withName("scale-" + i).build());
      lc.setSpec(spec);
      admin.resource(lc).create();
    }
    awaitCount("LayerCaches Ready on every node", LAYER_CACHES, () -> readyLayerCaches(admin));
    Duration layerCachesReady = since(lcStart);

    SharedIndexInformer<OverlayWorkspace> watched =
        admin.resources(OverlayWorkspace.class).inAnyNamespace().inform();
    for (int n = 0; n < NAMESPACES; n++) {
      admin
          .resource(
              new NamespaceBuilder().withNewMetadata().withName("scale-" + n).endMetadata().build())
          .create();
    }
    ApiServerRequests beforeWorkspaces = ApiServerRequests.scrape(admin);
    Map<String, Duration> othersAtStart = othersCpu();
    Duration operatorAtStart = operator.cpu();
    Instant wsStart = Instant.now();
    createWorkspaces(admin, images);
    Duration created = since(wsStart);
    say(workspaces + " OverlayWorkspaces created in " + created);
    awaitCount(
        "OverlayWorkspaces Ready",
        workspaces,
        () ->
            (int)
                watched.getStore().list().stream()
                    .filter(
                        w ->
                            w.getStatus() != null
                                && w.getStatus().getPhase() == WorkspacePhase.Ready)
                    .count());
    Duration workspacesReady = since(wsStart);
    ApiServerRequests toReady = ApiServerRequests.scrape(admin).since(beforeWorkspaces);
    Map<String, Double> reconciles = operator.reconcilesStarted();
    Duration cpuToReady = operator.cpu().minus(cpuAtStart);
    Duration operatorWorkspaces = operator.cpu().minus(operatorAtStart);
    Map<String, Duration> othersWorkspaces = othersCpu();
    othersWorkspaces.replaceAll((name, cpu) -> cpu.minus(othersAtStart.get(name)));
    long peakHeap = operator.peakHeapBytes();
    String loadAtReady = loadAverage();

    Thread.sleep(SETTLE.toMillis()); // let the last status writes land
    ApiServerRequests before = ApiServerRequests.scrape(admin);
    Duration cpuBefore = operator.cpu();
    Thread.sleep(STEADY_WINDOW.toMillis());
    ApiServerRequests steady = ApiServerRequests.scrape(admin).since(before);
    Duration steadyCpu = operator.cpu().minus(cpuBefore);
    long liveHeap = operator.liveHeapBytes();

    double seconds = STEADY_WINDOW.toSeconds();
    say("");
    say(
        "== scale: %d nodes, %d LayerCaches, %d OverlayWorkspaces"
            .formatted(nodes, LAYER_CACHES, workspaces));
    say("LayerCaches Ready on all nodes: " + layerCachesReady);
    say("OverlayWorkspaces created in: " + created + ", all Ready after: " + workspacesReady);
    say(
        "operator CPU until all Ready: "
            + cpuToReady
            + "; at steady state: "
            + steadyCpu
            + " in "
            + STEADY_WINDOW);
    say(
        "CPU from the first workspace created to all Ready: operator %s, %s"
            .formatted(
                operatorWorkspaces,
                othersWorkspaces.entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining(", "))));
    say(
        "operator heap (-Xmx384m): peak in use %d MiB, live after full GC %d MiB"
            .formatted(peakHeap >> 20, liveHeap >> 20));
    say(
        "steady state (%ds after all Ready, over %ds): %.2f requests/s, of them %.2f writes/s"
            .formatted(
                SETTLE.toSeconds(),
                STEADY_WINDOW.toSeconds(),
                steady.total() / seconds,
                steady.writes() / seconds));
    steady
        .byVerbAndResource()
        .forEach(
            (key, count) ->
                say(String.format(Locale.ROOT, "  %-40s %8.2f/s", key, count / seconds)));
    say("requests from the first workspace created to all Ready, per workspace:");
    toReady
        .byVerbAndResource()
        .forEach(
            (key, count) -> {
              if (count >= workspaces / 100.0) {
                say(String.format(Locale.ROOT, "  %-40s %8.2f", key, count / workspaces));
              }
            });
    say("reconciles started until all Ready, per workspace, by kind reconciled:");
    reconciles.forEach(
        (controller, count) ->
            say(String.format(Locale.ROOT, "  %-40s %8.2f", controller, count / workspaces)));
    say("load average when all Ready: " + loadAtReady + "; at the end: " + loadAverage());
    watched.close();
  }

  private List<String> pushImages(RegistryExtension registry) throws IOException {
    List<String> refs = new ArrayList<>();
    for (int i = 0; i < LAYER_CACHES; i++) {
      ImageReference ref = registry.reference("scale/app-" + i + ":1");
      ImageBuilder.oci(TestImages.AMD64)
          .layer(new TarBuilder().file("etc/os-release", "ID=scale\n"), Compression.GZIP)
          .layer(new TarBuilder().file("app/run", "app " + i + "\n"), Compression.GZIP)
          .build()
          .push(registry.client(), ref);
      refs.add(ref.toString());
    }
    return refs;
  }

  /** A linux/amd64 Node and its agent, as its own pod-bound ServiceAccount, on its own store. */
  private void startAgent(KubernetesClient admin, RegistryExtension registry, String node)
      throws IOException {
    admin
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(node)
                .addToLabels("kubernetes.io/os", "linux")
                .addToLabels("kubernetes.io/arch", "amd64")
                .endMetadata()
                .build())
        .create();
    if (sharedHttp == null) {
      sharedHttp = HttpClientUtils.getHttpClientFactory();
    }
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(admin.getConfiguration().getMasterUrl())
            .withCaCertData(admin.getConfiguration().getCaCertData())
            .withOauthToken(plane.podBoundToken("layercache-system", "layercache-agent", node))
            .build();
    // One HTTP stack for all agents (one event loop, not one per agent); each its own identity.
    KubernetesClient client =
        new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(sharedHttp).build();
    agentClients.add(client);
    LayerStore store = LayerStore.open(Files.createDirectories(workDir.resolve("nodes/" + node)));
    stores.add(store);
    // Mounts are the one stub: every workspace's directories are made, none is mounted.
    KernelFeatures kernel = new KernelFeatures(true, true, true, true, true, true, true, false);
    WorkspaceManager manager =
        new WorkspaceManager(store, new RecordingMounter(), kernel, Clock.systemUTC());
    NodeAgent agent =
        new NodeAgent(
            client,
            node,
            store,
            manager,
            new RegistryClients(
                new PullSecrets(client, Set.of(), "layercache-system/layercache-agent"),
                credentials ->
                    new HttpRegistryClient(
                        registry.configBuilder().credentials(credentials).build())),
            DiskBudget.defaults(),
            new AgentMetrics(new SimpleMeterRegistry()),
            Clock.systemUTC(),
            "scale",
            Duration.ofSeconds(1), // the agent's defaults (AgentCommand)
            Duration.ofSeconds(10),
            null); // no container runtime to make images present in
    agent.start();
    agents.add(agent);
  }

  /** W workspaces over the 20 images in 10 namespaces, created by 8 threads at once. */
  private void createWorkspaces(KubernetesClient admin, List<String> images) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < workspaces; i++) {
      int index = i;
      done.add(
          pool.submit(
              () -> {
                OverlayWorkspaceSpec spec = new OverlayWorkspaceSpec();
                spec.setImage(images.get(index % images.size()));
                OverlayWorkspace ws = new OverlayWorkspace();
                ws.setMetadata(
                    new ObjectMetaBuilder()
                        .withName("ws-" + index)
                        .withNamespace("scale-" + index % NAMESPACES)
                        .build());
                ws.setSpec(spec);
                admin.resource(ws).create();
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
  }

  /**
   * CPU used so far by the control plane's processes (their PIDs are in its directory) and by this
   * JVM (the agents, the creates, the watch on workspaces).
   */
  private Map<String, Duration> othersCpu() throws IOException {
    Map<String, Duration> cpu = new LinkedHashMap<>();
    Path dir = plane.kubeconfig().getParent();
    for (String component : List.of("kube-apiserver", "etcd", "kube-controller-manager")) {
      long pid = Long.parseLong(Files.readString(dir.resolve(component + ".pid")).trim());
      cpu.put(component, OperatorProcess.cpuOf(pid));
    }
    cpu.put("agents and benchmark", OperatorProcess.cpuOf(ProcessHandle.current().pid()));
    return cpu;
  }

  private int readyLayerCaches(KubernetesClient admin) {
    return (int)
        admin.resources(LayerCache.class).list().getItems().stream()
            .filter(
                lc -> {
                  NodeCounts counts = lc.getStatus() == null ? null : lc.getStatus().getNodes();
                  return counts != null
                      && counts.getTargeted() != null
                      && counts.getTargeted() == nodes
                      && counts.getReady() != null
                      && counts.getReady() == nodes;
                })
            .count();
  }

  /** Polls every second until {@code count} says {@code wanted}, saying how far it got. */
  private void awaitCount(String what, int wanted, Supplier<Integer> count)
      throws InterruptedException {
    Instant start = Instant.now();
    int last = -1;
    Instant lastSaid = Instant.EPOCH;
    while (true) {
      int now = count.get();
      if (now >= wanted) {
        say(what + ": " + now + "/" + wanted + " after " + since(start));
        return;
      }
      if (now != last && Duration.between(lastSaid, Instant.now()).toSeconds() >= 10) {
        say(
            what
                + ": "
                + now
                + "/"
                + wanted
                + " after "
                + since(start)
                + ", load "
                + loadAverage());
        last = now;
        lastSaid = Instant.now();
      }
      if (since(start).compareTo(READY_BOUND) > 0) {
        throw new IllegalStateException(
            what + ": only " + now + "/" + wanted + " after " + READY_BOUND);
      }
      Thread.sleep(1000);
    }
  }

  static String nodeName(int i) {
    return "scale-node-" + i;
  }

  static Duration since(Instant start) {
    return Duration.ofMillis(Duration.between(start, Instant.now()).toMillis());
  }

  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  void close() {
    agents.forEach(NodeAgent::close);
    for (LayerStore store : stores) {
      try {
        store.close();
      } catch (IOException e) {
        say("closing a store: " + e);
      }
    }
    agentClients.forEach(KubernetesClient::close);
    for (int i = closeLast.size() - 1; i >= 0; i--) {
      try {
        closeLast.get(i).close();
      } catch (Exception e) {
        say("closing: " + e);
      }
    }
  }
}
