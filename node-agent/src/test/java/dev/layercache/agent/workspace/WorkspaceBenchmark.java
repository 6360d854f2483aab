package dev.layercache.agent.workspace;

import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.OverlayMounter;
import dev.layercache.agent.store.DiskBudget;
import dev.layercache.agent.store.ImagePuller;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.PullListener;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Not a test: {@code bench/workspaces.sh} runs it. Times create+mount and unmount+remove of 1, 100
 * and 1000 workspaces sharing one cached image, inside one JVM (no start-up in the numbers), and
 * the heap with 1000 mounted.
 */
public final class WorkspaceBenchmark {
  private WorkspaceBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : "/var/tmp/layercache-bench-ws");
    String image = args.length > 1 ? args[1] : "127.0.0.1:5000/harness/python-app:1.0";
    int[] counts = {1, 100, 1000};
    KernelFeatures kernel = KernelFeatures.get();
    System.out.println("kernel " + System.getProperty("os.version") + ": " + kernel.summary());
    try (LayerStore store = LayerStore.open(root)) {
      ImageRecord record = pull(store, image);
      System.out.printf(
          "image %s: %d layers, root %s%n", record.reference(), record.layers().size(), root);
      WorkspaceManager manager =
          new WorkspaceManager(
              store, new OverlayMounter(kernel, store.layout().links()), kernel, Clock.systemUTC());
      manager.recover();
      for (WorkspaceRecord leftover : manager.records()) {
        manager.remove(
            leftover.name(), leftover.owner(), WorkspaceManager.UpperPolicy.DELETE, true);
      }
      // Warm up the JIT and the kernel's dentry cache.
      round(manager, record, 50, null);
      System.out.println();
      System.out.println("| workspaces | create+mount p50 | p99 | unmount+remove p50 | p99 |");
      System.out.println("|---:|---:|---:|---:|---:|");
      for (int n : counts) {
        double[][] times = round(manager, record, n, n == 1000 ? new long[1] : null);
        System.out.printf(
            "| %d | %.2f ms | %.2f ms | %.2f ms | %.2f ms |%n",
            n,
            percentile(times[0], 50),
            percentile(times[0], 99),
            percentile(times[1], 50),
            percentile(times[1], 99));
      }
    }
  }

  /** Creates n workspaces, then removes them; returns per-operation milliseconds. */
  static double[][] round(WorkspaceManager manager, ImageRecord image, int n, long[] heap)
      throws Exception {
    double[] create = new double[n];
    double[] remove = new double[n];
    List<String> names = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = "bench-" + i;
      long t0 = System.nanoTime();
      WorkspaceInfo ws = manager.ensure(WorkspaceRequest.ephemeral(name, image, "bench")).info();
      create[i] = (System.nanoTime() - t0) / 1e6;
      Files.writeString(ws.layout().merged().resolve("hello"), "hello " + i);
      names.add(name);
    }
    if (heap != null) {
      long t0 = System.nanoTime();
      List<WorkspaceInfo> all = manager.list();
      double listMs = (System.nanoTime() - t0) / 1e6;
      long mounted = all.stream().filter(WorkspaceInfo::mounted).count();
      Runtime rt = Runtime.getRuntime();
      for (int i = 0; i < 3; i++) {
        System.gc();
        Thread.sleep(100);
      }
      long used = rt.totalMemory() - rt.freeMemory();
      System.out.printf(
          "with %d workspaces mounted: heap used after GC %.1f MB (committed %.1f MB, max %.0f"
              + " MB); list() with upper sizes took %.0f ms%n",
          mounted, used / 1e6, rt.totalMemory() / 1e6, rt.maxMemory() / 1e6, listMs);
    }
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      manager.remove(names.get(i), "bench", WorkspaceManager.UpperPolicy.DELETE, false);
      remove[i] = (System.nanoTime() - t0) / 1e6;
    }
    return new double[][] {create, remove};
  }

  static double percentile(double[] values, int p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
  }

  static ImageRecord pull(LayerStore store, String image) throws Exception {
    ImageReference ref = ImageReference.parse(image);
    var cached = store.image(ref.toString());
    if (cached.isPresent()) {
      return cached.get();
    }
    ExecutorService executor = Executors.newFixedThreadPool(4);
    try {
      return new ImagePuller(
              new HttpRegistryClient(RegistryConfig.builder().build()),
              store,
              DiskBudget.defaults(),
              executor,
              Clock.systemUTC())
          .pull(ref, Platform.host(), PullListener.NONE)
          .image();
    } finally {
      executor.shutdownNow();
    }
  }
}
