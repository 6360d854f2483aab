package dev.layercache.agent.cluster;

import dev.layercache.agent.analyze.ImageAnalyzer;
import dev.layercache.agent.analyze.NodeWaste;
import dev.layercache.agent.cri.CriImageClient;
import dev.layercache.agent.kernel.FsStats;
import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.agent.snapshot.StoreLayerSnapshots;
import dev.layercache.agent.store.DiskBudget;
import dev.layercache.agent.store.DiskPressureException;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerFetcher;
import dev.layercache.agent.store.LayerGc;
import dev.layercache.agent.store.LayerRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.Pin;
import dev.layercache.agent.workspace.SpaceReport;
import dev.layercache.agent.workspace.WorkspaceInfo;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.api.v1alpha1.DiskStatus;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerStatus;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.kube.LayerSources;
import dev.layercache.kube.Layers;
import dev.layercache.kube.SecretProblem;
import dev.layercache.kube.StatusApply;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Layer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-cluster agent: watches its own NodeCache, converges the store and the workspaces to the
 * spec with the engine the CLI uses, and reports in the NodeCache status (only there).
 *
 * <p>Everything happens on one sync thread; fetches run on their own pool and ask for a sync when
 * they progress or end. Syncs happen at most once per {@code statusInterval} and at least once per
 * {@code resyncInterval}; the status is written only when it is news ({@link StatusNews}), so a
 * converged node that nothing touches writes nothing. That it is alive shows in its metrics (the
 * time of its last sync), not in status writes.
 */
public final class NodeAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
  static final String OWNER_PREFIX = "NodeCache/";

  /** The field manager of its NodeCache's status (the spec is the operator's). */
  public static final String FIELD_MANAGER = "layercache-agent";

  private static final Duration RETRY_FAILED = Duration.ofSeconds(15);

  /** How long a status write may go unanswered before the sync gives up and tries again. */
  static final Duration STATUS_WRITE_LIMIT = Duration.ofSeconds(30);

  private static final double GC_HIGH = 0.85;
  private static final double GC_LOW = 0.75;

  private final KubernetesClient kube;
  private final String nodeName;
  private final LayerStore store;
  private final WorkspaceManager workspaces;
  private final RegistryClients registries;
  private final DiskBudget budget;
  private final AgentMetrics metrics;
  private final Clock clock;
  private final String version;
  private final Duration statusInterval;
  private final Duration resyncInterval;

  private final ScheduledExecutorService syncThread =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "agent-sync"));
  private final ExecutorService fetchPool =
      Executors.newFixedThreadPool(4, r -> daemon(r, "agent-fetch"));
  private final BoundedCall statusWrites =
      new BoundedCall("agent-status-write", STATUS_WRITE_LIMIT);
  private final LayerProgress progress = new LayerProgress(this::requestSync);
  private final Map<String, Instant> failedAt = new ConcurrentHashMap<>();
  private final AtomicBoolean syncRequested = new AtomicBoolean();
  private final AtomicBoolean healthy = new AtomicBoolean();
  private final WorkspaceConvergence workspaceConvergence;
  private final NodeWaste wasted;
  private final CriImages runtimeImages;
  private final StoreLayerSnapshots.Reader containerdSnapshots;
  private SharedIndexInformer<NodeCache> informer;

  /** The NodeCache as our last status write left it: what the next status is news against. */
  private NodeCache written;

  private Instant lastSync = Instant.EPOCH;
  private Optional<String> diskPressure = Optional.empty();

  /**
   * @param runtime the container runtime's CRI image service to make warm images present in, or
   *     null for none
   */
  public NodeAgent(
      KubernetesClient kube,
      String nodeName,
      LayerStore store,
      WorkspaceManager workspaces,
      RegistryClients registries,
      DiskBudget budget,
      AgentMetrics metrics,
      Clock clock,
      String version,
      Duration statusInterval,
      Duration resyncInterval,
      CriImageClient runtime) {
    this.kube = kube;
    this.nodeName = nodeName;
    this.store = store;
    this.wasted = new NodeWaste(new ImageAnalyzer(store.layout()));
    this.containerdSnapshots = new StoreLayerSnapshots.Reader(store);
    this.workspaces = workspaces;
    this.registries = registries;
    this.budget = budget;
    this.metrics = metrics;
    this.clock = clock;
    this.version = version;
    this.statusInterval = statusInterval;
    this.resyncInterval = resyncInterval;
    this.workspaceConvergence =
        new WorkspaceConvergence(
            workspaces,
            store,
            registries,
            fetchPool,
            clock,
            OWNER_PREFIX + nodeName,
            this::requestSync);
    this.runtimeImages =
        runtime == null
            ? null
            : new CriImages(runtime, registries::credentials, clock, this::requestSync);
  }

  /**
   * Starts watching and syncing. The workspaces are recovered before, by whoever opened them (the
   * daemon, before its servers answer): recovery removes half-made workspaces, so it must not run
   * while anything can be making one.
   */
  public void start() {
    informer =
        kube.resources(NodeCache.class)
            .withName(nodeName)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(NodeCache obj) {
                    requestSync();
                  }

                  @Override
                  public void onUpdate(NodeCache before, NodeCache after) {
                    if (!Objects.equals(before.getSpec(), after.getSpec())) {
                      requestSync();
                    }
                  }

                  @Override
                  public void onDelete(NodeCache obj, boolean unknownFinalState) {
                    requestSync();
                  }
                });
    long tick = statusInterval.toMillis();
    syncThread.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    requestSync();
  }

  /** True after the first sync that reached the API server. */
  public boolean healthy() {
    return healthy.get();
  }

  private void requestSync() {
    syncRequested.set(true);
  }

  /** Syncs when asked to, and every resync interval (upper layers grow without events). */
  private void tick() {
    boolean resyncDue = Duration.between(lastSync, clock.instant()).compareTo(resyncInterval) >= 0;
    if (syncRequested.getAndSet(false) || resyncDue) {
      lastSync = clock.instant();
      try {
        sync();
        if (informer.isWatching()) {
          metrics.synced(clock.instant());
        }
      } catch (Exception e) {
        // The next tick tries again; the cause is in the log (the status may be unreachable).
        log.warn("sync of NodeCache {} failed: {}", nodeName, e.toString());
        requestSync();
      }
    }
  }

  /** One convergence: layers, pins, images, workspaces, GC, then the status. */
  void sync() throws IOException {
    NodeCache nodeCache = informer.getStore().getByKey(nodeName);
    if (nodeCache == null) {
      healthy.set(true); // the API server answered; the operator has yet to create it
      return;
    }
    List<LayerRef> wanted = NodeCacheStatusBuilder.layers(nodeCache);
    Map<String, LayerRef> byDiffId = new LinkedHashMap<>();
    wanted.forEach(l -> byDiffId.put(l.getDiffID(), l));
    progress.retain(byDiffId.keySet());
    registries.retain(wanted.stream().map(NodeAgent::secretsOf).collect(Collectors.toSet()));

    diskPressure = Optional.empty();
    for (LayerRef layer : wanted) {
      try {
        converge(layer);
      } catch (IOException | RuntimeException e) {
        // One layer's trouble is that layer's status, never the whole node's.
        progress.failed(layer.getDiffID(), FailureReason.of(e), e.getMessage());
        failedAt.put(layer.getDiffID(), clock.instant());
      }
    }
    pin(nodeCache, wanted);
    recordImages(nodeCache);
    if (runtimeImages != null) {
      runtimeImages.offer(CriImages.warm(specImages(nodeCache), wanted, store::has));
    }
    WorkspaceConvergence.Round round = workspaceConvergence.converge(nodeCache, byDiffId);
    collectGarbage();
    writeStatus(nodeCache, wanted, round);
  }

  private void converge(LayerRef layer) throws IOException {
    String diffId = layer.getDiffID();
    Optional<LayerRecord> present = store.layer(diffId);
    if (present.isPresent()) {
      progress.ready(diffId, present.get().compressedBytes());
      return;
    }
    if (progress.isRunning(diffId)) {
      return;
    }
    Instant failed = failedAt.get(diffId);
    if (failed != null && Duration.between(failed, clock.instant()).compareTo(RETRY_FAILED) < 0) {
      return;
    }
    long needed = size(layer); // the least it takes; the fetch itself stops at the watermark
    try {
      budget.check(store.layout().root(), needed, "layer " + diffId);
    } catch (DiskPressureException e) {
      diskPressure = Optional.of(e.getMessage());
      progress.failed(diffId, FailureReason.of(e), e.getMessage());
      failedAt.put(diffId, clock.instant());
      return;
    }
    LayerFetcher fetcher;
    try {
      fetcher = registries.fetcherFor(secretsOf(layer), store, fetchPool, clock);
    } catch (SecretProblem e) {
      progress.failed(diffId, e.reason(), e.getMessage());
      failedAt.put(diffId, clock.instant());
      return;
    }
    fetchFromSources(fetcher, layer, 0, new ArrayList<>());
  }

  /** Tries the layer's sources in order; the layer fails only when all of them did. */
  private void fetchFromSources(
      LayerFetcher fetcher, LayerRef layer, int index, List<String> errors) {
    String diffId = layer.getDiffID();
    ImageReference repo = LayerSources.repository(layer.getSources().get(index));
    Layer blob = Layers.toOci(layer);
    Instant started = clock.instant();
    progress.started(diffId, size(layer));
    fetcher
        .fetch(repo, blob, progress)
        .whenComplete(
            (record, failure) -> {
              if (failure == null) {
                failedAt.remove(diffId);
                metrics.layerPulled(size(layer), Duration.between(started, clock.instant()));
                requestSync();
                return;
              }
              Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
              errors.add(repo.name() + ": " + cause.getMessage());
              if (index + 1 < layer.getSources().size()) {
                fetchFromSources(fetcher, layer, index + 1, errors);
              } else {
                metrics.layerFailed();
                failedAt.put(diffId, clock.instant());
                progress.failed(diffId, FailureReason.of(cause), String.join("; ", errors));
              }
            });
  }

  private void pin(NodeCache nodeCache, List<LayerRef> wanted) throws IOException {
    List<String> pinned =
        wanted.stream()
            .filter(l -> !Boolean.FALSE.equals(l.getPinned()))
            .map(LayerRef::getDiffID)
            .toList();
    List<String> images = specImages(nodeCache).stream().map(ResolvedImage::getImage).toList();
    String owner = OWNER_PREFIX + nodeName;
    Optional<Pin> current = store.pin(owner);
    if (current.isEmpty()
        || !current.get().diffIds().equals(pinned)
        || !current.get().images().equals(images)) {
      store.pin(new Pin(owner, images, pinned, clock.instant()));
    }
  }

  /** Records each spec image whose layers are all here, so images and savings count it. */
  private void recordImages(NodeCache nodeCache) throws IOException {
    for (ResolvedImage image : specImages(nodeCache)) {
      if (image.getLayers() == null
          || !image.getLayers().stream().allMatch(l -> store.has(l.getDiffID()))) {
        continue;
      }
      Optional<ImageRecord> recorded = store.image(image.getImage());
      if (recorded.isPresent() && recorded.get().manifestDigest().equals(image.getDigest())) {
        continue;
      }
      store.saveImage(
          new ImageRecord(
              image.getImage(),
              image.getDigest(),
              image.getPlatform(),
              image.getLayers().stream().map(StoreRecords::layer).toList(),
              clock.instant()));
    }
  }

  private void collectGarbage() throws IOException {
    FsStats fs = Syscalls.statfs(store.layout().root());
    double used = 1.0 - (double) fs.freeBlocks() * fs.blockSize() / fs.capacityBytes();
    if (used < GC_HIGH) {
      return;
    }
    LayerGc.Plan plan = new LayerGc(store).run(workspaces.layersInUse(), GC_HIGH, GC_LOW, false);
    metrics.evicted(plan.evict().size(), plan.freedBytes());
    if (plan.stillOverLow()) {
      diskPressure =
          Optional.of(
              "the store's filesystem stays over "
                  + Math.round(GC_LOW * 100)
                  + "% after evicting every unpinned, unused layer");
    }
  }

  private void writeStatus(
      NodeCache nodeCache, List<LayerRef> wanted, WorkspaceConvergence.Round round)
      throws IOException {
    List<LayerStatus> layerStatuses =
        wanted.stream().map(l -> progress.status(l.getDiffID())).toList();
    List<WorkspaceInfo> infos = round.infos();
    SpaceReport space = SpaceReport.compute(store.images(), store.layers(), infos);
    FsStats fs = Syscalls.statfs(store.layout().root());
    DiskStatus disk = new DiskStatus();
    disk.setCapacityBytes(fs.capacityBytes());
    disk.setUsedBytes(fs.capacityBytes() - fs.freeBlocks() * fs.blockSize());
    disk.setLayerBytes(space.layerBytes());
    disk.setUpperBytes(space.upperBytes());
    disk.setWastedBytes(wasted.of(store.images()));
    NodeCacheStatus before = lastWritten(nodeCache);
    NodeCacheStatus status =
        NodeCacheStatusBuilder.build(
            nodeCache,
            before,
            new NodeCacheStatusBuilder.Observation(
                layerStatuses,
                round.statuses(),
                disk,
                space,
                diskPressure,
                Optional.ofNullable(runtimeImages).map(CriImages::report),
                containerdSnapshots.current()),
            version,
            clock.instant());
    metrics.observe(space, infos.size(), status);
    if (StatusNews.isNews(before, status)) {
      written = statusWrites.call(() -> StatusApply.apply(kube, nodeCache, status, FIELD_MANAGER));
    }
    healthy.set(true);
  }

  /**
   * The status last written to this NodeCache: ours when we wrote it (the informer may not have
   * seen that write yet), else the one the API server has (after a restart, or for a NodeCache made
   * anew).
   */
  private NodeCacheStatus lastWritten(NodeCache nodeCache) {
    if (written != null
        && Objects.equals(written.getMetadata().getUid(), nodeCache.getMetadata().getUid())) {
      return written.getStatus();
    }
    return nodeCache.getStatus();
  }

  private static List<ResolvedImage> specImages(NodeCache nodeCache) {
    return nodeCache.getSpec() == null || nodeCache.getSpec().getImages() == null
        ? List.of()
        : nodeCache.getSpec().getImages();
  }

  /** The pull secrets a layer's sources name, each once, in order. */
  private static List<SecretRef> secretsOf(LayerRef layer) {
    return layer.getSources() == null
        ? List.of()
        : layer.getSources().stream()
            .filter(s -> s.getPullSecrets() != null)
            .flatMap(s -> s.getPullSecrets().stream())
            .distinct()
            .toList();
  }

  /** The blob size a LayerRef gives, or -1 (unknown) when it gives none. */
  static long size(LayerRef layer) {
    return layer.getSize() == null ? -1 : layer.getSize();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    syncThread.shutdownNow();
    fetchPool.shutdownNow();
    statusWrites.close();
    try {
      if (runtimeImages != null) {
        runtimeImages.close();
      }
      // A fetch cut short cleans its staging directory up; let it finish before the store closes.
      fetchPool.awaitTermination(10, TimeUnit.SECONDS);
      syncThread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
