package dev.layercache.api.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One real node for the {@link KubeControlPlane}: {@code scripts/local-node.sh up --no-daemon}
 * starts containerd 2.x with Debian's runc (the default runtime handler on overlayfs, the handler
 * and RuntimeClass {@value #RUNTIME_CLASS} on the layercache snapshotter at {@link
 * #snapshotterSocket()}), a locally built pause image, the kubelet (registered as a Node) and
 * kube-scheduler, once per test JVM, and takes them down when the JVM exits. Pods run for real;
 * they should use {@code hostNetwork: true} (no pod network is configured). The snapshotter socket
 * is the tests' to serve (a {@code layercache daemon}, or the agent DaemonSet's pod), one test
 * class at a time: pods of the RuntimeClass need it, others do not.
 *
 * <p>Use {@code @ExtendWith(KubeNode.class)} and take a {@code KubeNode} or a {@code
 * KubernetesClient} (admin) as a parameter. Needs root, containerd, runc, gcc, umoci and skopeo and
 * the binaries of scripts/test-binaries.sh; without them the tests are skipped, or fail under
 * {@code CI=true}.
 */
public final class KubeNode implements BeforeAllCallback, ParameterResolver {
  /** The RuntimeClass (and runtime handler) whose pods get their snapshots from layercache. */
  public static final String RUNTIME_CLASS = "layercache";

  /** The proxy snapshotter's name in containerd's configuration (scripts/local-node.sh). */
  private static final String SNAPSHOTTER = "layercache";

  private static final List<String> KINDS = List.of("Active", "Committed", "View");

  private static final KubeControlPlane controlPlane = new KubeControlPlane();
  private static final List<String> HOST_TOOLS =
      List.of("/usr/sbin/runc", "/usr/bin/gcc", "/usr/bin/umoci", "/usr/bin/skopeo");

  private static Started started;
  private static RuntimeException failedToStart;

  private record Started(Path dir, String name) {}

  @Override
  public void beforeAll(ExtensionContext context) {
    node();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == KubeNode.class || type == KubernetesClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == KubeNode.class ? this : admin();
  }

  /** A cluster-admin client of the control plane the node belongs to. Do not close it. */
  public KubernetesClient admin() {
    node();
    return controlPlane.admin();
  }

  public KubeControlPlane controlPlane() {
    node();
    return controlPlane;
  }

  /** The Node's name. */
  public String name() {
    return node().name();
  }

  /** Where containerd dials the layercache snapshotter of the {@value #RUNTIME_CLASS} handler. */
  public Path snapshotterSocket() {
    return node().dir().resolve("run/snapshotter.sock");
  }

  /** The kubelet's {@code --root-dir} (on the shared mount of {@link #hostDir()}). */
  public Path kubeletRoot() {
    return hostDir().resolve("kubelet");
  }

  /**
   * A directory on a shared mount, for hostPath volumes with {@code mountPropagation:
   * Bidirectional} (the kubelet refuses those on a private mount, as this machine's / is).
   */
  public Path hostDir() {
    return node().dir().resolve("host");
  }

  /** containerd's own root (content store, metadata). */
  public Path containerdRoot() {
    return node().dir().resolve("containerd/root");
  }

  /** Lets containerd pull from this loopback registry ({@code HOST:PORT}) over plain HTTP. */
  public void trustRegistry(String host) {
    Path hosts = node().dir().resolve("containerd/certs.d").resolve(host).resolve("hosts.toml");
    try {
      Files.createDirectories(hosts.getParent());
      Files.writeString(
          hosts,
          "server = \"http://"
              + host
              + "\"\n[host.\"http://"
              + host
              + "\"]\n  capabilities = [\"pull\", \"resolve\"]\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs the pinned kubectl with the admin kubeconfig; its output (stderr included). */
  public String kubectl(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                KubeControlPlane.kubectl().toString(),
                "--kubeconfig=" + controlPlane().kubeconfig()));
    command.addAll(List.of(args));
    return command(command, 300);
  }

  /** Runs a command to completion: its output, or an exception that includes it. */
  public static String command(List<String> command, int timeoutSeconds) {
    return KubeControlPlane.run(command, timeoutSeconds);
  }

  /** Runs crictl against the node's containerd; its output (stderr included). */
  public String crictl(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                KubeControlPlane.toolsBin().resolve("crictl").toString(),
                "--config",
                node().dir().resolve("crictl.yaml").toString()));
    command.addAll(List.of(args));
    return KubeControlPlane.run(command, 180);
  }

  /**
   * Makes containerd forget every snapshot it recorded on the layercache snapshotter, leaves first,
   * as an operator does when the node's store is replaced (docs/containerd.md): containerd keeps
   * its own records of a proxy snapshotter's snapshots, and one whose snapshot the new store lacks
   * fails every unpack of that layer with "target snapshot ... already exists". A test class that
   * serves the snapshotter socket from a store of its own calls it at its end, while it still
   * serves the socket (containerd asks the snapshotter) and once no pod of the RuntimeClass is
   * left.
   */
  public void forgetSnapshots() {
    for (int round = 0; round < 100; round++) {
      List<String[]> snapshots =
          ctrSnapshots("ls")
              .lines()
              .map(line -> line.trim().split("\\s+"))
              // rows end in their kind; the header and containerd's warnings do not
              .filter(columns -> KINDS.contains(columns[columns.length - 1]))
              .toList();
      if (snapshots.isEmpty()) {
        return;
      }
      List<String> parents = snapshots.stream().map(s -> s.length > 2 ? s[1] : "").toList();
      List<String> leaves =
          snapshots.stream().map(s -> s[0]).filter(key -> !parents.contains(key)).toList();
      List<String> remove = new ArrayList<>(List.of("rm"));
      remove.addAll(leaves);
      ctrSnapshots(remove.toArray(String[]::new));
    }
    throw new IllegalStateException(
        "containerd still holds layercache snapshots: " + ctrSnapshots("ls"));
  }

  /** Runs {@code ctr snapshots ARGS} in the CRI namespace on the layercache snapshotter. */
  private String ctrSnapshots(String... args) {
    Path ctr;
    try {
      ctr = KubeControlPlane.toolsBin().resolve("containerd2").toRealPath().resolveSibling("ctr");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> command =
        new ArrayList<>(
            List.of(
                ctr.toString(),
                "--address",
                node().dir().resolve("containerd/containerd.sock").toString(),
                "--namespace",
                "k8s.io",
                "snapshots",
                "--snapshotter",
                SNAPSHOTTER));
    command.addAll(List.of(args));
    return KubeControlPlane.run(command, 60);
  }

  /** A file of the node's logs: {@code kubelet}, {@code containerd}, {@code kube-scheduler}. */
  public Path log(String component) {
    return node().dir().resolve("logs").resolve(component + ".log");
  }

  private static synchronized Started node() {
    if (started != null) {
      return started;
    }
    if (failedToStart != null) {
      throw failedToStart;
    }
    List<String> missing = new ArrayList<>();
    if (!"root".equals(System.getProperty("user.name"))) {
      missing.add("root (containers, mounts and cgroups)");
    }
    HOST_TOOLS.stream().filter(tool -> !Files.isExecutable(Path.of(tool))).forEach(missing::add);
    for (String binary : List.of("kubelet", "kube-scheduler", "crictl", "containerd2")) {
      if (!Files.isExecutable(KubeControlPlane.toolsBin().resolve(binary))) {
        missing.add(KubeControlPlane.toolsBin().resolve(binary).toString());
      }
    }
    if (!missing.isEmpty()) {
      String message =
          "a real node needs "
              + String.join(", ", missing)
              + " (apt-get install runc gcc libc6-dev umoci skopeo;"
              + " scripts/test-binaries.sh)";
      if ("true".equals(System.getenv("CI"))) {
        failedToStart = new IllegalStateException(message);
        throw failedToStart;
      }
      Assumptions.abort(message);
    }
    try {
      started = start();
      return started;
    } catch (RuntimeException e) {
      failedToStart = e;
      throw e;
    }
  }

  private static Started start() {
    Path kubeconfig = controlPlane.kubeconfig();
    Path dir;
    try {
      dir = Files.createTempDirectory("layercache-node-");
      Files.delete(dir); // local-node.sh makes it and marks it as its own
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The API server dials the kubelet (logs, exec) at the node's name: one that resolves to
    // loopback without asking DNS.
    String name = "localhost";
    Path script = KubeControlPlane.repoRoot().resolve("scripts/local-node.sh");
    // Registered after the control plane's hook, so it may run first or concurrently: `down`
    // needs no API server (it stops processes and unmounts). The logs are kept for a look after.
    Path keptLogs = Path.of(System.getProperty("basedir", "."), "target", "local-node-logs");
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  KubeControlPlane.run(
                      List.of("cp", "-rT", dir.resolve("logs").toString(), keptLogs.toString()),
                      30);
                  KubeControlPlane.run(
                      List.of(script.toString(), "down", "--dir", dir.toString()), 60);
                }));
    KubeControlPlane.run(
        List.of(
            "env",
            "KUBECONFIG=" + kubeconfig,
            script.toString(),
            "up",
            "--no-daemon",
            "--dir",
            dir.toString(),
            "--name",
            name,
            "--owner",
            Long.toString(ProcessHandle.current().pid())),
        420);
    return new Started(dir, name);
  }
}
