package dev.layercache.agent.daemon;

import dev.layercache.agent.csi.AppliedWorkspaces;
import dev.layercache.agent.csi.CsiPlugin;
import dev.layercache.agent.csi.KubeletRegistration;
import dev.layercache.agent.csi.NamedWorkspaces;
import dev.layercache.agent.csi.VolumePublisher;
import dev.layercache.agent.csi.wire.IdentityGrpc;
import dev.layercache.agent.csi.wire.ProbeRequest;
import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.OverlayMounter;
import dev.layercache.agent.snapshot.CriLabelledLayers;
import dev.layercache.agent.snapshot.SnapshotsService;
import dev.layercache.agent.snapshot.Snapshotter;
import dev.layercache.agent.snapshot.wire.ListSnapshotsRequest;
import dev.layercache.agent.snapshot.wire.SnapshotsGrpc;
import dev.layercache.agent.store.DiskBudget;
import dev.layercache.agent.store.ImagePuller;
import dev.layercache.agent.store.LayerFetcher;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.PullListener;
import dev.layercache.agent.workspace.RecoveryReport;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryClient;
import io.grpc.BindableService;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The node's one long-running engine: it holds the store's writer lock, owns the workspaces
 * (recovered at start) and serves what the node asks of it (containerd's snapshotter API, the CLI's
 * commands, the CSI node plugin and its registration with the kubelet). Parts start in order and
 * stop in reverse on {@link #close()}; the in-cluster agent embeds a daemon and {@link #add adds}
 * its own loops.
 */
public final class NodeDaemon implements AutoCloseable {
  /**
   * @param root the store root
   * @param snapshotterSocket where containerd reaches the snapshotter; null: not served
   * @param registry how cold layers named by the CRI plugin are fetched
   * @param cli runs the CLI's commands sent to {@code ROOT/daemon.sock}; null: no local API
   * @param csi the CSI node plugin; null: not served
   */
  public record Config(
      Path root,
      Path snapshotterSocket,
      RegistryClient registry,
      DiskBudget budget,
      Platform platform,
      int fetchThreads,
      Cli cli,
      Csi csi) {}

  /** A CLI command line run inside the daemon, on its store and with its workspace engine. */
  public interface Cli {
    int run(
        LayerStore store,
        WorkspaceManager workspaces,
        List<String> args,
        Path cwd,
        PrintWriter out,
        PrintWriter err);
  }

  /**
   * The CSI node plugin {@value CsiPlugin#NAME}.
   *
   * @param socket where the kubelet reaches it; the kubelet is told this path, so this process must
   *     see it where the node does
   * @param nodeId the Kubernetes node name
   * @param named where OverlayWorkspaces are found, given the daemon's workspaces; null: those
   *     {@code layercache apply} made
   * @param registrationDir the kubelet's plugin registry directory, where the plugin registers
   *     itself ({@link KubeletRegistration}); null: not registered
   */
  public record Csi(
      Path socket,
      String nodeId,
      String version,
      Function<WorkspaceManager, NamedWorkspaces> named,
      Path registrationDir) {
    public Csi(
        Path socket,
        String nodeId,
        String version,
        Function<WorkspaceManager, NamedWorkspaces> named) {
      this(socket, nodeId, version, named, null);
    }
  }

  private final Lifecycle lifecycle;
  private final LayerStore store;
  private final WorkspaceManager workspaces;
  private final RecoveryReport recovery;
  private final Snapshotter snapshotter;

  private NodeDaemon(
      Lifecycle lifecycle,
      LayerStore store,
      WorkspaceManager workspaces,
      RecoveryReport recovery,
      Snapshotter snapshotter) {
    this.lifecycle = lifecycle;
    this.store = store;
    this.workspaces = workspaces;
    this.recovery = recovery;
    this.snapshotter = snapshotter;
  }

  /** Opens the store for writing and starts the servers; fails whole if any part fails. */
  public static NodeDaemon start(Config config) throws IOException {
    Clock clock = Clock.systemUTC();
    Lifecycle lifecycle = new Lifecycle();
    try {
      LayerStore store = lifecycle.add("layer store", LayerStore.open(config.root()));
      ExecutorService fetches =
          Executors.newFixedThreadPool(
              Math.max(1, config.fetchThreads()),
              r -> {
                Thread t = new Thread(r, "layer-fetch");
                t.setDaemon(true);
                return t;
              });
      lifecycle.add("layer fetches", fetches::shutdownNow);
      LayerFetcher fetcher =
          new LayerFetcher(config.registry(), store, config.budget(), fetches, clock);
      KernelFeatures kernel = KernelFeatures.get();
      WorkspaceManager workspaces =
          new WorkspaceManager(
              store, new OverlayMounter(kernel, store.layout().links()), kernel, clock);
      // Before any server answers: a volume the kubelet published before a crash is found again.
      RecoveryReport recovery = workspaces.recover();
      Snapshotter snapshotter =
          new Snapshotter(
              store,
              new CriLabelledLayers(
                  config.registry(), fetcher, config.budget(), config.root(), config.platform()),
              kernel.index(),
              clock);
      if (config.snapshotterSocket() != null) {
        UnixSocketGrpcServer server =
            lifecycle.add(
                "snapshotter on " + config.snapshotterSocket(),
                UnixSocketGrpcServer.start(
                    config.snapshotterSocket(), new SnapshotsService(snapshotter)));
        server.warmUp(
            channel ->
                SnapshotsGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .list(ListSnapshotsRequest.getDefaultInstance())
                    .forEachRemaining(batch -> {}));
      }
      if (config.cli() != null) {
        Path socket = store.layout().daemonSocket();
        lifecycle.add(
            "CLI API on " + socket,
            LocalApi.serve(
                socket,
                (args, cwd, out, err) -> config.cli().run(store, workspaces, args, cwd, out, err)));
      }
      Csi csi = config.csi();
      if (csi != null) {
        ImagePuller puller =
            new ImagePuller(config.registry(), store, config.budget(), fetches, clock);
        VolumePublisher publisher =
            new VolumePublisher(
                workspaces,
                image ->
                    puller.ensure(
                        ImageReference.parse(image), config.platform(), PullListener.NONE),
                csi.named() != null
                    ? csi.named().apply(workspaces)
                    : new AppliedWorkspaces(workspaces));
        UnixSocketGrpcServer server =
            lifecycle.add(
                "CSI node plugin on " + csi.socket(),
                UnixSocketGrpcServer.start(
                    csi.socket(),
                    CsiPlugin.services(publisher, csi.nodeId(), csi.version())
                        .toArray(BindableService[]::new)));
        server.warmUp(
            channel ->
                IdentityGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .probe(ProbeRequest.getDefaultInstance()));
        if (csi.registrationDir() != null) {
          // Last, so that it is closed first: the kubelet deregisters the driver when this socket
          // goes, before the CSI socket does. It gives GetInfo one second; the servers above have
          // loaded gRPC's classes by now, and a kubelet that times out tries again.
          if (!Files.isDirectory(csi.registrationDir())) {
            throw new IOException(
                "no kubelet plugin registry at "
                    + csi.registrationDir()
                    + " (the kubelet makes ROOT_DIR/plugins_registry at start; is this the"
                    + " kubelet's --root-dir?)");
          }
          Path socket = csi.registrationDir().resolve(KubeletRegistration.SOCKET_NAME);
          lifecycle.add(
              "kubelet plugin registration on " + socket,
              UnixSocketGrpcServer.start(
                  socket,
                  new KubeletRegistration(csi.socket().toAbsolutePath().normalize(), clock)));
        }
      }
      return new NodeDaemon(lifecycle, store, workspaces, recovery, snapshotter);
    } catch (IOException | RuntimeException e) {
      lifecycle.close();
      throw e;
    }
  }

  public LayerStore store() {
    return store;
  }

  /** The workspaces: the daemon is their one manager, as it is the store's one writer. */
  public WorkspaceManager workspaces() {
    return workspaces;
  }

  /** What recovering the workspaces at start found and did. */
  public RecoveryReport recovery() {
    return recovery;
  }

  public Snapshotter snapshotter() {
    return snapshotter;
  }

  /** Adds a part started on top of the daemon (the agent's loop); it stops before the daemon's. */
  public <T extends AutoCloseable> T add(String name, T part) {
    return lifecycle.add(name, part);
  }

  @Override
  public void close() {
    lifecycle.close();
  }
}
