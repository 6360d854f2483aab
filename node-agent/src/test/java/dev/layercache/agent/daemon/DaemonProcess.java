package dev.layercache.agent.daemon;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code layercache daemon} as its own process, from the jars the build packaged. */
public final class DaemonProcess implements AutoCloseable {
  private final List<String> command;
  private final Path log;
  private Process process;

  public DaemonProcess(Path root, Path socket, Path log, String... extraArgs) {
    Path repo = Path.of(System.getenv().getOrDefault("LAYERCACHE_REPO_ROOT", ".."));
    Path target = repo.resolve("node-agent/target");
    String java = ProcessHandle.current().info().command().orElse("java");
    command =
        new ArrayList<>(
            List.of(
                java,
                "-cp",
                target.resolve("layercache.jar") + ":" + target.resolve("lib") + "/*",
                "dev.layercache.agent.Main",
                "--root",
                root.toString()));
    command.addAll(List.of(extraArgs));
    command.addAll(List.of("daemon", "--snapshotter-address", socket.toString()));
    this.log = log;
  }

  /** Adds options of the daemon command itself, e.g. {@code --csi-address SOCKET}. */
  public DaemonProcess withDaemonOptions(String... options) {
    command.addAll(List.of(options));
    return this;
  }

  public DaemonProcess start() throws IOException {
    long readyBefore = readyLines();
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !process.isAlive() || readyLines() > readyBefore);
    if (!process.isAlive()) {
      throw new IOException("layercache daemon exited at start: " + Files.readString(log));
    }
    return this;
  }

  /** The daemon says it is ready once its servers answer (the socket alone is not enough). */
  private long readyLines() throws IOException {
    return Files.exists(log)
        ? Files.readAllLines(log).stream()
            .filter(l -> l.startsWith("layercache: daemon on"))
            .count()
        : 0;
  }

  /** SIGTERM; the exit code. */
  public int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("layercache daemon did not stop within 30 s of SIGTERM");
    }
    return process.exitValue();
  }

  public void kill9() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor();
    }
  }
}
