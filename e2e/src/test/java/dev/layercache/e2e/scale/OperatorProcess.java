package dev.layercache.e2e.scale;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real operator as its own JVM ({@code dev.layercache.operator.Main}, configured as deploy/
 * configures it: its ServiceAccount, leader election, the pod's heap), so its heap and CPU are its
 * own. Heap is read every second from its performance counters (as jstat reads them); CPU from
 * /proc; reconciles from its own /metrics.
 */
final class OperatorProcess implements AutoCloseable {
  private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

  private final Process process;
  private final int metricsPort;
  private final HttpClient http = HttpClient.newHttpClient();
  private final HeapCounters heapCounters;
  private final AtomicLong peakHeapBytes = new AtomicLong();
  private final ScheduledExecutorService sampler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "operator-heap-sampler");
            t.setDaemon(true);
            return t;
          });

  OperatorProcess(String classpath, Path kubeconfig, String heap, int metricsPort, Path log)
      throws IOException {
    this.metricsPort = metricsPort;
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    // e.g. -XX:StartFlightRecording=filename=operator.jfr to see where its time goes
    String extra = System.getenv().getOrDefault("BENCH_OPERATOR_JAVA_OPTS", "");
    Arrays.stream(extra.split(" ")).filter(o -> !o.isBlank()).forEach(command::add);
    command.addAll(List.of("-cp", classpath, "dev.layercache.operator.Main"));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("LAYERCACHE_METRICS_PORT", Integer.toString(metricsPort));
    builder.environment().put("POD_NAMESPACE", "layercache-system");
    builder.environment().put("LAYERCACHE_LEADER_ELECTION", "true");
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    process = builder.start();
    heapCounters = new HeapCounters(process.pid());
    sampler.scheduleAtFixedRate(this::sampleHeap, 1, 1, TimeUnit.SECONDS);
  }

  long pid() {
    return process.pid();
  }

  /** The most heap in use seen so far (bytes), garbage included. */
  long peakHeapBytes() {
    return peakHeapBytes.get();
  }

  /** Heap in use right after a full GC (bytes): what the operator really keeps. */
  long liveHeapBytes() throws IOException, InterruptedException {
    Process gc =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid()),
                "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    gc.waitFor(60, TimeUnit.SECONDS);
    return heapCounters.usedBytes();
  }

  /** CPU time the operator used so far (user + system). */
  Duration cpu() throws IOException {
    return cpuOf(pid());
  }

  /** CPU time a process used so far (user + system), from /proc. */
  static Duration cpuOf(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
    return Duration.ofMillis(ticks * 1000 / TICKS_PER_SECOND);
  }

  private void sampleHeap() {
    try {
      peakHeapBytes.accumulateAndGet(heapCounters.usedBytes(), Math::max);
    } catch (IOException | RuntimeException e) {
      // its counters not written yet: the next sample counts
    }
  }

  /** The reconciles JOSDK started, by the kind reconciled, from the operator's own /metrics. */
  Map<String, Double> reconcilesStarted() throws IOException, InterruptedException {
    Map<String, Double> started = new TreeMap<>();
    Pattern sample =
        Pattern.compile(
            "^operator_sdk_reconciliations_started_total\\{.*kind=\"([^\"]+)\".*} (\\S+)$");
    scrape()
        .lines()
        .map(sample::matcher)
        .filter(Matcher::matches)
        .forEach(m -> started.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum));
    return started;
  }

  private String scrape() throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    sampler.shutdownNow();
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
