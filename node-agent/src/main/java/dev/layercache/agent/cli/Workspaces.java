package dev.layercache.agent.cli;

import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.OverlayMounter;
import dev.layercache.agent.store.DiskBudget;
import dev.layercache.agent.store.ImagePuller;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.PullListener;
import dev.layercache.agent.workspace.RecoveryReport;
import dev.layercache.agent.workspace.SpaceReport;
import dev.layercache.agent.workspace.UpperUsage;
import dev.layercache.agent.workspace.WorkspaceException;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** How the workspace commands reach the engine: the store, the kernel, the registry. */
final class Workspaces {
  /** The owner of the workspaces that mount creates: only umount removes them. */
  static final String OWNER = "cli";

  private Workspaces() {}

  static WorkspaceManager manager(LayerStore store) {
    KernelFeatures kernel = KernelFeatures.get();
    return new WorkspaceManager(
        store, new OverlayMounter(kernel, store.layout().links()), kernel, Clock.systemUTC());
  }

  /** The store's space report; with the workspaces' uppers measured only when asked. */
  static SpaceReport space(LayerStore store, boolean workspaces) throws IOException {
    return SpaceReport.compute(
        store.images(), store.layers(), workspaces ? manager(store).list() : List.of());
  }

  /** Leftovers of interrupted work (see {@link LayerStore#debris}), and their bytes. */
  record Debris(List<Path> paths, long bytes) {}

  static Debris debris(LayerStore store) throws IOException {
    List<Path> paths = new ArrayList<>(store.debris());
    paths.addAll(manager(store).debris());
    long bytes = 0;
    for (Path path : paths) {
      bytes +=
          Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? UpperUsage.bytes(path) : size(path);
    }
    return new Debris(paths, bytes);
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0; // gone meanwhile
    }
  }

  /** Recovers after a restart (or reboot) and tells the user what that changed. */
  static void recover(WorkspaceManager manager, PrintWriter err) throws IOException {
    RecoveryReport report = manager.recover();
    report.lines().forEach(line -> err.println("layercache: " + line));
    err.flush();
  }

  /** The cached image, else pulled (see {@link ImagePuller#ensure}). */
  static ImageRecord ensureImage(
      LayerStore store, RegistryClient registry, String image, Platform platform, PullListener l)
      throws IOException {
    ExecutorService executor = Executors.newFixedThreadPool(4);
    try {
      return new ImagePuller(registry, store, DiskBudget.defaults(), executor, Clock.systemUTC())
          .ensure(ImageReference.parse(image), platform, l);
    } finally {
      executor.shutdownNow();
    }
  }

  /**
   * Runs an engine call, turning the caller's mistakes (a bad name, a request that conflicts with
   * what exists) into exit code 2.
   */
  static <T> T badInputAware(Callable<T> call) throws Exception {
    try {
      return call.call();
    } catch (WorkspaceException e) {
      if (e.kind() != WorkspaceException.Kind.NOT_FOUND) {
        throw new BadInputException(e.getMessage());
      }
      throw e;
    }
  }
}
