package dev.layercache.agent.store;

import dev.layercache.agent.kernel.DirFd;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Cold-store pulls in a warm JVM, as the long-running agent does them: after {@code warmups}
 * untimed pulls, each of {@code reps} pulls goes into a new, empty store root under {@code ROOT}
 * (none is deleted until the end: creating files where many were just deleted is slower on ext4,
 * which would be measuring the benchmark). Prints one line per timed pull, in seconds. Run by
 * bench/pull.sh; not a test.
 */
public final class PullBenchmark {
  private PullBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: PullBenchmark ROOT IMAGE WARMUPS REPS");
      System.exit(2);
    }
    System.setProperty("jdk.httpclient.bufsize", String.valueOf(256 << 10));
    Path root = Path.of(args[0]);
    ImageReference ref = ImageReference.parse(args[1]);
    int warmups = Integer.parseInt(args[2]);
    int reps = Integer.parseInt(args[3]);
    HttpRegistryClient registry = new HttpRegistryClient(RegistryConfig.defaults());
    ExecutorService executor = Executors.newFixedThreadPool(4);
    try {
      for (int i = 0; i < warmups + reps; i++) {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        long start = System.nanoTime();
        try (LayerStore store = LayerStore.open(root.resolve("pull-" + i))) {
          new ImagePuller(registry, store, DiskBudget.defaults(), executor, Clock.systemUTC())
              .pull(ref, Platform.host(), PullListener.NONE);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (i >= warmups) {
          System.out.printf("%.3f%n", seconds);
        }
      }
    } finally {
      executor.shutdownNow();
      DirFd.deleteTree(root);
    }
  }
}
