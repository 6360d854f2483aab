package dev.layercache.api.testing;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real Kubernetes control plane for tests: etcd, kube-apiserver and kube-controller-manager built
 * by {@code scripts/test-binaries.sh}, started on loopback by {@code scripts/local-cluster.sh} once
 * per test JVM and stopped when the JVM exits. The committed {@code crds/*.yaml} are applied
 * server-side and Established before any test runs. No kubelet runs: Pods are stored, never
 * started.
 *
 * <p>Use {@code @ExtendWith(KubeControlPlane.class)} and take a {@code KubeControlPlane} or a
 * {@code KubernetesClient} (admin) as a test or lifecycle method parameter, or register an instance
 * with {@code @RegisterExtension}. Every test class shares the one server: isolate by namespace and
 * object names. When the binaries are missing the tests are skipped, or fail under {@code CI=true}.
 */
public final class KubeControlPlane implements BeforeAllCallback, ParameterResolver {
  /** Field manager of the objects the tests install (the CRDs). */
  public static final String FIELD_MANAGER = "layercache-tests";

  private static final List<String> BINARIES =
      List.of("etcd", "kube-apiserver", "kube-controller-manager", "kubectl");

  private static Started started;
  private static RuntimeException failedToStart;

  /** What {@code local-cluster.sh up} gave us. */
  private record Started(Path dir, Path kubeconfig, Config adminConfig, KubernetesClient admin) {}

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == KubeControlPlane.class || type == KubernetesClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == KubeControlPlane.class ? this : admin();
  }

  /** A client with cluster-admin rights (group system:masters). Do not close it. */
  public KubernetesClient admin() {
    return cluster().admin();
  }

  /** The admin kubeconfig, for {@code kubectl} and processes under test. */
  public Path kubeconfig() {
    return cluster().kubeconfig();
  }

  /** {@code tools/bin/kubectl}, the pinned build. */
  public static Path kubectl() {
    return toolsBin().resolve("kubectl");
  }

  /**
   * A client authenticated as the ServiceAccount with a token from the TokenRequest API, as a pod
   * of that ServiceAccount would be. The caller closes it.
   */
  public KubernetesClient serviceAccountClient(String namespace, String serviceAccount) {
    return clientWithToken(serviceAccountToken(namespace, serviceAccount));
  }

  /** A token for the ServiceAccount from the TokenRequest API (an hour), not bound to a pod. */
  public String serviceAccountToken(String namespace, String serviceAccount) {
    return token(namespace, serviceAccount, null);
  }

  /**
   * A client for the ServiceAccount with a token bound to a Pod on {@code nodeName}, as a DaemonSet
   * pod there gets: the server puts the node into the token, and a request with it carries {@code
   * authentication.kubernetes.io/node-name} in its user's extra info (what admission policies
   * check). Creates the Node and the Pod when missing (the Pod never runs: there is no kubelet).
   * The caller closes it.
   */
  public KubernetesClient podBoundClient(String namespace, String serviceAccount, String nodeName) {
    return clientWithToken(podBoundToken(namespace, serviceAccount, nodeName));
  }

  /** The token {@link #podBoundClient} uses, for a process under test. */
  public String podBoundToken(String namespace, String serviceAccount, String nodeName) {
    KubernetesClient admin = admin();
    if (admin.nodes().withName(nodeName).get() == null) {
      admin
          .nodes()
          .resource(new NodeBuilder().withNewMetadata().withName(nodeName).endMetadata().build())
          .create();
    }
    String podName = serviceAccount + "-" + nodeName;
    Pod pod = admin.pods().inNamespace(namespace).withName(podName).get();
    if (pod == null) {
      pod =
          admin
              .pods()
              .inNamespace(namespace)
              .resource(
                  new PodBuilder()
                      .withNewMetadata()
                      .withName(podName)
                      .endMetadata()
                      .withNewSpec()
                      .withServiceAccountName(serviceAccount)
                      .withNodeName(nodeName)
                      .addNewContainer()
                      .withName("token-holder")
                      .withImage("layercache.invalid/never-runs:1")
                      .endContainer()
                      // No kubelet ever reports the node Ready; without these the taint manager
                      // evicts the pod (and so invalidates its tokens) after five minutes.
                      .addNewToleration()
                      .withKey("node.kubernetes.io/unreachable")
                      .withOperator("Exists")
                      .withEffect("NoExecute")
                      .endToleration()
                      .addNewToleration()
                      .withKey("node.kubernetes.io/not-ready")
                      .withOperator("Exists")
                      .withEffect("NoExecute")
                      .endToleration()
                      .endSpec()
                      .build())
              .create();
    }
    return token(namespace, serviceAccount, pod);
  }

  private String token(String namespace, String serviceAccount, Pod boundTo) {
    TokenRequestBuilder request =
        new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec();
    if (boundTo != null) {
      request
          .editSpec()
          .withNewBoundObjectRef()
          .withApiVersion("v1")
          .withKind("Pod")
          .withName(boundTo.getMetadata().getName())
          .withUid(boundTo.getMetadata().getUid())
          .endBoundObjectRef()
          .endSpec();
    }
    TokenRequest issued =
        admin()
            .serviceAccounts()
            .inNamespace(namespace)
            .withName(serviceAccount)
            .tokenRequest(request.build());
    return issued.getStatus().getToken();
  }

  /**
   * A kubeconfig file that authenticates with the token (from {@link #serviceAccountToken} or
   * {@link #podBoundToken}), for an operator or agent run as a process under its ServiceAccount.
   */
  public Path kubeconfigWithToken(String token) {
    Started cluster = cluster();
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: local, cluster: {server: "%s", certificate-authority-data: %s}}]
        users: [{name: token, user: {token: %s}}]
        contexts: [{name: local, context: {cluster: local, user: token}}]
        current-context: local
        """
            .formatted(
                cluster.adminConfig().getMasterUrl(), cluster.adminConfig().getCaCertData(), token);
    try {
      Path file = Files.createTempFile(cluster.dir(), "token-", ".kubeconfig");
      Files.writeString(file, yaml);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stops kube-apiserver (gracefully, as a rolling restart does); etcd and the stored objects stay.
   * Clients see connection errors until {@link #startApiServer}.
   */
  public void stopApiServer() {
    localCluster("stop", "kube-apiserver");
  }

  /** Starts kube-apiserver again on the same port and waits until it is ready. */
  public void startApiServer() {
    localCluster("start", "kube-apiserver");
  }

  private void localCluster(String command, String component) {
    run(
        List.of(
            repoRoot().resolve("scripts/local-cluster.sh").toString(),
            command,
            component,
            "--dir",
            cluster().dir().toString()),
        180);
  }

  /** A client that authenticates with the token. The caller closes it. */
  public KubernetesClient clientWithToken(String token) {
    Config admin = cluster().adminConfig();
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(admin.getMasterUrl())
            .withCaCertData(admin.getCaCertData())
            .withOauthToken(token)
            .withRequestRetryBackoffLimit(0)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static synchronized Started cluster() {
    if (started != null) {
      return started;
    }
    if (failedToStart != null) {
      throw failedToStart; // once per JVM, not once per test class
    }
    List<String> missing =
        BINARIES.stream().filter(name -> !Files.isExecutable(toolsBin().resolve(name))).toList();
    if (!missing.isEmpty()) {
      String message =
          "Kubernetes binaries missing from "
              + toolsBin()
              + ": "
              + String.join(", ", missing)
              + "; build them with scripts/test-binaries.sh (needs Go)";
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
    Path dir;
    try {
      dir = Files.createTempDirectory("layercache-control-plane-");
      Files.delete(dir); // local-cluster.sh makes it and marks it as its own
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path script = repoRoot().resolve("scripts/local-cluster.sh");
    String out =
        run(
            List.of(
                script.toString(),
                "up",
                "--dir",
                dir.toString(),
                "--owner",
                Long.toString(ProcessHandle.current().pid())),
            180);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> run(List.of(script.toString(), "down", "--dir", dir.toString()), 30)));
    Path kubeconfig =
        out.lines()
            .filter(line -> line.startsWith("export KUBECONFIG="))
            .map(line -> Path.of(line.substring("export KUBECONFIG=".length())))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("local-cluster.sh up printed " + out));
    Config config;
    try {
      config = Config.fromKubeconfig(Files.readString(kubeconfig));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    installCrds(kubeconfig);
    KubernetesClient admin = new KubernetesClientBuilder().withConfig(config).build();
    awaitServed(admin);
    return new Started(dir, kubeconfig, config, admin);
  }

  /**
   * Established is not yet served: for a moment after it, a list answers 429 "storage is
   * (re)initializing" while the watch cache fills, and an informer started then fails (an operator
   * started right after the CRDs stopped on it). Waits until every kind lists.
   */
  private static void awaitServed(KubernetesClient admin) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (String kind : List.of("LayerCache", "OverlayWorkspace", "NodeCache")) {
      while (true) {
        try {
          admin
              .genericKubernetesResources("layercache.dev/v1alpha1", kind)
              .inAnyNamespace()
              .list(new ListOptionsBuilder().withLimit(1L).withResourceVersion("0").build());
          break;
        } catch (KubernetesClientException e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(kind + " not served 60s after Established", e);
          }
          try {
            Thread.sleep(200);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + kind, interrupted);
          }
        }
      }
    }
  }

  /** As users do: {@code kubectl apply --server-side -f crds/}, then wait until Established. */
  private static void installCrds(Path kubeconfig) {
    String kubectl = kubectl().toString();
    String crds = repoRoot().resolve("crds").toString();
    String config = "--kubeconfig=" + kubeconfig;
    run(
        List.of(
            kubectl,
            config,
            "apply",
            "--server-side",
            "--field-manager=" + FIELD_MANAGER,
            "--force-conflicts",
            "-f",
            crds),
        60);
    run(
        List.of(
            kubectl, config, "wait", "--for=condition=Established", "--timeout=60s", "-f", crds),
        90);
  }

  /** Runs a command to completion; its output, or an exception that includes it. */
  public static String run(List<String> command, int timeoutSeconds) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      // The output is small (the scripts log to files); read it all, then wait.
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " did not finish in " + timeoutSeconds + "s");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " exited " + process.exitValue() + ":\n" + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    }
  }

  /**
   * {@code ${LAYERCACHE_TOOLS:-~/.cache/layercache/tools}/bin}, the links test-binaries.sh keeps.
   */
  public static Path toolsBin() {
    String tools = System.getenv("LAYERCACHE_TOOLS");
    Path root =
        tools != null
            ? Path.of(tools)
            : Path.of(System.getProperty("user.home"), ".cache/layercache/tools");
    return root.resolve("bin");
  }

  /** The clone: failsafe passes it; otherwise the parent of the module Maven runs in. */
  public static Path repoRoot() {
    String root = System.getenv("LAYERCACHE_REPO_ROOT");
    return root != null
        ? Path.of(root)
        : Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
  }
}
