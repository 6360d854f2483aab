package dev.layercache.agent.daemon;

import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.snapshot.CriLabelledLayers;
import dev.layercache.agent.snapshot.SnapshotsService;
import dev.layercache.agent.snapshot.Snapshotter;
import dev.layercache.agent.snapshot.wire.ListSnapshotsRequest;
import dev.layercache.agent.snapshot.wire.SnapshotsGrpc;
import dev.layercache.agent.store.DiskBudget;
import dev.layercache.agent.store.LayerFetcher;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The node's one long-running engine: it holds the store's writer lock and serves what the node
 * asks of it (containerd's snapshotter API, the CLI's commands). Parts start in order and stop in
 * reverse on {@link #close()}; the in-cluster agent embeds a daemon and {@link #add adds} its own
 * loops.
 */
public final class NodeDaemon implements AutoCloseable {
  /**
   * @param root the store root
   * @param snapshotterSocket where containerd reaches the snapshotter; null: not served
   * @param registry how cold layers named by the CRI plugin are fetched
   * @param cli runs the CLI's commands sent to {@code ROOT/daemon.sock}; null: no local API
   */
  public record Config(
      Path root,
      Path snapshotterSocket,
      RegistryClient registry,
      DiskBudget budget,
      Platform platform,
      int fetchThreads,
      Cli cli) {}

  /** A CLI command line run inside the daemon, on its store. */
  public interface Cli {
    int run(LayerStore store, List<String> args, Path cwd, PrintWriter out, PrintWriter err);
  }

  private final Lifecycle lifecycle;
  private final LayerStore store;
  private final Snapshotter snapshotter;

  private NodeDaemon(Lifecycle lifecycle, LayerStore store, Snapshotter snapshotter) {
    this.lifecycle = lifecycle;
    this.store = store;
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
      Snapshotter snapshotter =
          new Snapshotter(
              store,
              new CriLabelledLayers(
                  config.registry(), fetcher, config.budget(), config.root(), config.platform()),
              KernelFeatures.get().index(),
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
                socket, (args, cwd, out, err) -> config.cli().run(store, args, cwd, out, err)));
      }
      return new NodeDaemon(lifecycle, store, snapshotter);
    } catch (IOException | RuntimeException e) {
      lifecycle.close();
      throw e;
    }
  }

  public LayerStore store() {
    return store;
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
