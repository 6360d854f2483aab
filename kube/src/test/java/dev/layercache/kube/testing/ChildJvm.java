package dev.layercache.kube.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code java} process on this test JVM's classpath (a main class of the operator or the agent),
 * pointed at an API server by URL, stopped the way a kubelet stops a container: SIGTERM to its pid.
 */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code mainClass} with {@code args}; the fabric8 client in it talks to {@code apiServer}
   * only (no kubeconfig, no service account). Output goes to {@code log}.
   */
  public static ChildJvm start(
      String mainClass, String apiServer, Map<String, String> env, List<String> args, Path log)
      throws IOException {
    return start(
        mainClass,
        List.of(
            "-Dkubernetes.master=" + apiServer,
            "-Dkubernetes.auth.tryKubeConfig=false",
            "-Dkubernetes.auth.tryServiceAccount=false"),
        env,
        args,
        log);
  }

  /**
   * Starts {@code mainClass} with {@code args}; the fabric8 client in it reads {@code kubeconfig}
   * only (server, CA and credentials, e.g. a ServiceAccount token), as {@code KUBECONFIG}.
   */
  public static ChildJvm startWithKubeconfig(
      String mainClass, Path kubeconfig, Map<String, String> env, List<String> args, Path log)
      throws IOException {
    Map<String, String> withConfig = new HashMap<>(env);
    withConfig.put("KUBECONFIG", kubeconfig.toString());
    return start(
        mainClass, List.of("-Dkubernetes.auth.tryServiceAccount=false"), withConfig, args, log);
  }

  private static ChildJvm start(
      String mainClass,
      List<String> clientProperties,
      Map<String, String> env,
      List<String> args,
      Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.addAll(clientProperties);
    command.add("-Dkubernetes.namespace=default");
    command.add(mainClass);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.environment().remove("KUBECONFIG");
    builder.environment().putAll(env);
    return new ChildJvm(builder.start(), log);
  }

  public long pid() {
    return process.pid();
  }

  /** Sends SIGTERM by pid, as {@code kill -TERM} does. */
  public void sigterm() throws IOException, InterruptedException {
    int status = new ProcessBuilder("kill", "-TERM", Long.toString(pid())).start().waitFor();
    if (status != 0) {
      throw new IllegalStateException("kill -TERM " + pid() + " exited " + status);
    }
  }

  /** The exit status, once the process has ended within {@code bound}. */
  public int awaitExit(Duration bound) throws InterruptedException, IOException {
    if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("still running " + bound + " after SIGTERM; output:\n" + output());
    }
    return process.exitValue();
  }

  public String output() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
