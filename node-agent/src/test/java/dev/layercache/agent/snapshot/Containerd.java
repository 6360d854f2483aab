package dev.layercache.agent.snapshot;

import static org.awaitility.Awaitility.await;

import dev.layercache.agent.kernel.RootRequired;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A containerd started by a test with its own root, state, sockets and runc root, and the
 * layercache daemon as the proxy snapshotter {@value #SNAPSHOTTER}. {@link #start}: Debian's
 * containerd 1.6 with the CRI plugin's one snapshotter set to it and snapshot annotations on.
 * {@link #startV2}: the containerd 2.x scripts/test-binaries.sh builds, overlayfs for the default
 * runtime handler and layercache for the runtime handler {@value #HANDLER} only. Talked to with its
 * own ctr and crictl.
 */
public final class Containerd implements AutoCloseable {
  static final String SNAPSHOTTER = "layercache";

  /** The containerd 2.x runtime handler (a RuntimeClass's handler) whose snapshotter is ours. */
  static final String HANDLER = "layercache";

  private final Path dir;
  private final Path config;
  private final Path bin;
  private Process process;

  private Containerd(Path dir, Path config, Path bin) {
    this.dir = dir;
    this.config = config;
    this.bin = bin;
  }

  /** crictl as scripts/test-binaries.sh links it, or where LAYERCACHE_TOOLS says. */
  static Path crictl() {
    return tool("crictl");
  }

  /** A tool scripts/test-binaries.sh builds, in LAYERCACHE_TOOLS or the default tools cache. */
  public static Path tool(String name) {
    String tools = System.getenv("LAYERCACHE_TOOLS");
    Path base =
        tools != null
            ? Path.of(tools)
            : Path.of(System.getProperty("user.home"), ".cache", "layercache", "tools");
    return base.resolve("bin").resolve(name);
  }

  public static void requireTools() {
    RootRequired.assumeOverlayfs();
    for (String tool : List.of("/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc")) {
      RootRequired.require(
          Files.isExecutable(Path.of(tool)),
          tool + " is missing (apt-get install containerd runc)");
    }
    RootRequired.require(
        Files.isExecutable(crictl()),
        crictl() + " is missing (scripts/test-binaries.sh builds it; or set LAYERCACHE_TOOLS)");
  }

  /**
   * The directory of the pinned containerd 2.x: containerd, its runc shim and ctr
   * (scripts/test-binaries.sh containerd2 links bin/containerd2 to the first).
   */
  static Path containerd2Dir() throws IOException {
    return tool("containerd2").toRealPath().getParent();
  }

  public static void requireContainerd2() {
    RootRequired.assumeOverlayfs();
    RootRequired.require(
        Files.isExecutable(Path.of("/usr/sbin/runc")),
        "/usr/sbin/runc is missing (apt-get install runc)");
    RootRequired.require(
        Files.isExecutable(tool("containerd2")),
        tool("containerd2")
            + " is missing (scripts/test-binaries.sh containerd2 builds it; or set LAYERCACHE_TOOLS)");
    RootRequired.require(
        Files.isExecutable(crictl()),
        crictl() + " is missing (scripts/test-binaries.sh builds it; or set LAYERCACHE_TOOLS)");
  }

  /**
   * containerd 2.x (config version 3): the CRI images' default snapshotter stays overlayfs, and the
   * runtime handler {@value #HANDLER} (runc, snapshotter {@value #SNAPSHOTTER}) is the only one
   * that needs the daemon. Image pulls go through the transfer service, which labels each layer's
   * Prepare with the CRI labels only for a snapshotter that exports {@code
   * enable_remote_snapshot_annotations}, and unpacks only for snapshotters its {@code
   * unpack_config} lists (a list replaces the default, so overlayfs is listed too). See
   * docs/containerd.md.
   *
   * @param registries loopback registries containerd reaches over plain HTTP
   */
  public static Containerd startV2(
      Path dir, Path snapshotterSocket, String sandboxImage, List<String> registries)
      throws IOException, InterruptedException {
    String runc =
        """
              runtime_type = "io.containerd.runc.v2"
              [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.%s.options]
                Root = "%s"
                SystemdCgroup = false
        """;
    String toml =
        """
        version = 3
        root = "%1$s/root"
        state = "%1$s/state"
        [grpc]
          address = "%1$s/containerd.sock"
        [ttrpc]
          address = "%1$s/containerd.sock.ttrpc"
        [proxy_plugins]
          [proxy_plugins.%2$s]
            type = "snapshot"
            address = "%3$s"
            [proxy_plugins.%2$s.exports]
              enable_remote_snapshot_annotations = "true"
        [plugins.'io.containerd.cri.v1.images']
          snapshotter = "overlayfs"
          [plugins.'io.containerd.cri.v1.images'.pinned_images]
            sandbox = "%4$s"
          [plugins.'io.containerd.cri.v1.images'.registry]
            config_path = "%1$s/certs.d"
        [plugins.'io.containerd.cri.v1.runtime']
          # a sandbox in this test's environment may not lower its oom_score_adj
          restrict_oom_score_adj = true
          [plugins.'io.containerd.cri.v1.runtime'.containerd]
            default_runtime_name = "runc"
            [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        %5$s
            [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.%6$s]
              snapshotter = "%2$s"
        %7$s
        [[plugins.'io.containerd.transfer.v1.local'.unpack_config]]
          platform = "linux/amd64"
          snapshotter = "overlayfs"
        [[plugins.'io.containerd.transfer.v1.local'.unpack_config]]
          platform = "linux/amd64"
          snapshotter = "%2$s"
        """
            .formatted(
                dir,
                SNAPSHOTTER,
                snapshotterSocket,
                sandboxImage,
                runc.formatted("runc", dir.resolve("runc")),
                HANDLER,
                runc.formatted(HANDLER, dir.resolve("runc")));
    Files.createDirectories(dir);
    for (String registry : registries) {
      Path hosts = Files.createDirectories(dir.resolve("certs.d").resolve(registry));
      Files.writeString(
          hosts.resolve("hosts.toml"),
          "server = \"http://"
              + registry
              + "\"\n[host.\"http://"
              + registry
              + "\"]\n  capabilities = [\"pull\", \"resolve\"]\n");
    }
    return started(dir, toml, containerd2Dir());
  }

  /**
   * @param registries loopback registries containerd reaches over plain HTTP
   */
  public static Containerd start(
      Path dir, Path snapshotterSocket, String sandboxImage, List<String> registries)
      throws IOException, InterruptedException {
    StringBuilder toml = new StringBuilder();
    toml.append("version = 2\n")
        .append("root = \"")
        .append(dir.resolve("root"))
        .append("\"\n")
        .append("state = \"")
        .append(dir.resolve("state"))
        .append("\"\n")
        .append("[grpc]\n  address = \"")
        .append(dir.resolve("containerd.sock"))
        .append("\"\n")
        .append("[ttrpc]\n  address = \"")
        .append(dir.resolve("containerd.sock.ttrpc"))
        .append("\"\n")
        .append("[proxy_plugins]\n  [proxy_plugins.")
        .append(SNAPSHOTTER)
        .append("]\n")
        .append("    type = \"snapshot\"\n    address = \"")
        .append(snapshotterSocket)
        .append("\"\n")
        .append("[plugins.\"io.containerd.grpc.v1.cri\"]\n")
        // a sandbox in this test's environment may not lower its oom_score_adj
        .append("  restrict_oom_score_adj = true\n")
        .append("  sandbox_image = \"")
        .append(sandboxImage)
        .append("\"\n")
        .append("  [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n")
        .append("    snapshotter = \"")
        .append(SNAPSHOTTER)
        .append("\"\n")
        .append("    disable_snapshot_annotations = false\n")
        .append("  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n")
        .append("    runtime_type = \"io.containerd.runc.v2\"\n")
        .append("    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n")
        .append("      Root = \"")
        .append(dir.resolve("runc"))
        .append("\"\n");
    for (String registry : registries) {
      toml.append("  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"")
          .append(registry)
          .append("\"]\n    endpoint = [\"http://")
          .append(registry)
          .append("\"]\n");
    }
    Files.createDirectories(dir);
    return started(dir, toml.toString(), Path.of("/usr/bin"));
  }

  private static Containerd started(Path dir, String toml, Path bin) throws IOException {
    Path config = dir.resolve("config.toml");
    Files.writeString(config, toml);
    Files.writeString(
        dir.resolve("crictl.yaml"),
        "runtime-endpoint: unix://"
            + dir.resolve("containerd.sock")
            + "\nimage-endpoint: unix://"
            + dir.resolve("containerd.sock")
            + "\ntimeout: 120\n");
    Containerd containerd = new Containerd(dir, config, bin);
    containerd.start();
    return containerd;
  }

  void start() throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(bin.resolve("containerd").toString(), "--config", config.toString());
    // containerd finds its shim on PATH: the one built with it, not Debian's.
    builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    process =
        builder
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(dir.resolve("containerd.log").toFile()))
            .start();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !process.isAlive() || ctr(List.of("version"), true).exit() == 0);
    if (!process.isAlive()) {
      throw new IOException("containerd exited at start; see " + dir.resolve("containerd.log"));
    }
  }

  /** SIGTERM, as a service manager stops it; containers' shims keep running. */
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  Path root() {
    return dir.resolve("root");
  }

  /** containerd's gRPC socket, where its CRI plugin serves the kubelet. */
  Path socket() {
    return dir.resolve("containerd.sock");
  }

  record Result(int exit, String out) {}

  Result ctr(List<String> args, boolean mayFail) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                bin.resolve("ctr").toString(), "-a", dir.resolve("containerd.sock").toString()));
    command.addAll(args);
    return run(command, mayFail);
  }

  public String ctr(String... args) throws IOException, InterruptedException {
    return ctr(List.of(args), false).out();
  }

  String crictl(String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(crictl().toString(), "--config", dir.resolve("crictl.yaml").toString()));
    command.addAll(List.of(args));
    return run(command, false).out().trim();
  }

  /** crictl that may fail: its exit code and output. */
  Result crictlResult(String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(crictl().toString(), "--config", dir.resolve("crictl.yaml").toString()));
    command.addAll(List.of(args));
    return run(command, true);
  }

  private static Result run(List<String> command, boolean mayFail)
      throws IOException, InterruptedException {
    // stdout is the answer (an ID, JSON); crictl writes warnings to stderr.
    Path errors = Files.createTempFile("layercache-cmd-", ".err");
    try {
      Process p = new ProcessBuilder(command).redirectError(errors.toFile()).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(180, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + String.join(" ", command));
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0 && !mayFail) {
        throw new IOException(
            String.join(" ", command)
                + " failed ("
                + p.exitValue()
                + "): "
                + text
                + Files.readString(errors));
      }
      return new Result(p.exitValue(), text);
    } finally {
      Files.deleteIfExists(errors);
    }
  }

  /** The blobs in containerd's content store. */
  List<String> contentBlobs() throws IOException {
    Path blobs = root().resolve("io.containerd.content.v1.content/blobs/sha256");
    if (!Files.isDirectory(blobs)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(blobs)) {
      return files.map(f -> "sha256:" + f.getFileName()).toList();
    }
  }

  @Override
  public void close() throws Exception {
    // Pods first (their shm mounts go with them), then whatever tasks are left, so no shim or
    // mount outlives the test.
    run(
        List.of(
            crictl().toString(), "--config", dir.resolve("crictl.yaml").toString(), "rmp", "-fa"),
        true);
    for (String ns : List.of("k8s.io", "default")) {
      Result tasks = ctr(List.of("-n", ns, "tasks", "ls", "-q"), true);
      for (String id : tasks.out().lines().map(String::trim).filter(s -> !s.isEmpty()).toList()) {
        ctr(List.of("-n", ns, "tasks", "kill", "-s", "SIGKILL", id), true);
        ctr(List.of("-n", ns, "tasks", "delete", "-f", id), true);
      }
    }
    stop();
  }
}
