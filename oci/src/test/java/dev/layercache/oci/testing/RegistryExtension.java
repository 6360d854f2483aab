package dev.layercache.oci.testing;

import dev.layercache.oci.CredentialStore;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.RegistryConfig;
import dev.layercache.oci.RegistryCredentials;
import dev.layercache.oci.RetryPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs the real CNCF distribution registry ({@code docker-registry serve}) on a free loopback port
 * for one test class, with a temp storage dir, and stops it by PID afterwards.
 *
 * <pre>{@code
 * @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();
 * ...
 * HttpRegistryClient client = registry.client();
 * ImageReference ref = registry.reference("team/app:1");
 * }</pre>
 *
 * <p>Without the binary the tests are skipped, except when {@code CI=true}: then they fail.
 */
public final class RegistryExtension implements BeforeAllCallback, AfterAllCallback {
  /** Retries quick enough for tests: three attempts, milliseconds apart. */
  public static final RetryPolicy FAST_RETRY =
      new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(2));

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

  private enum Auth {
    NONE,
    BASIC,
    TOKEN
  }

  private final Auth auth;
  private final String username;
  private final String password;
  private Path workDir;
  private Process process;
  private int port;
  private TokenServer tokenServer;

  private RegistryExtension(Auth auth, String username, String password) {
    this.auth = auth;
    this.username = username;
    this.password = password;
  }

  public static RegistryExtension anonymous() {
    return new RegistryExtension(Auth.NONE, null, null);
  }

  /** A registry that demands HTTP basic auth (htpasswd, bcrypt). */
  public static RegistryExtension withBasicAuth(String username, String password) {
    return new RegistryExtension(Auth.BASIC, username, password);
  }

  /** A registry that demands bearer tokens from a {@link TokenServer} this extension runs. */
  public static RegistryExtension withTokenAuth(String username, String password) {
    return new RegistryExtension(Auth.TOKEN, username, password);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  /** Starts the registry and waits until {@code GET /v2/} answers. */
  public void start() throws IOException, InterruptedException {
    Path binary = requireTool("docker-registry", "LAYERCACHE_REGISTRY_BINARY");
    workDir = Files.createTempDirectory("layercache-registry-");
    port = freePort();
    String authSection = "";
    if (auth == Auth.BASIC) {
      Path htpasswd = workDir.resolve("htpasswd");
      Files.writeString(htpasswd, bcryptLine());
      authSection = "auth:\n  htpasswd:\n    realm: layercache-test\n    path: " + htpasswd + "\n";
    } else if (auth == Auth.TOKEN) {
      tokenServer = TokenServer.start(workDir, username, password);
      authSection =
          String.format(
              "auth:\n  token:\n    realm: %s\n    service: %s\n    issuer: %s\n"
                  + "    rootcertbundle: %s\n",
              tokenServer.realm(),
              TokenServer.SERVICE,
              TokenServer.ISSUER,
              tokenServer.certificate());
    }
    Path config = workDir.resolve("config.yml");
    Files.writeString(
        config,
        String.format(
            "version: 0.1\n"
                + "log:\n  level: info\n"
                + "storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n"
                + "http:\n  addr: 127.0.0.1:%d\n  secret: layercache-test-secret\n"
                + "%s",
            workDir.resolve("storage"), port, authSection));
    process =
        new ProcessBuilder(binary.toString(), "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(logFile().toFile())
            .start();
    awaitReady();
  }

  /** Stops the registry (and token server) and removes its storage. */
  public void stop() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
    if (tokenServer != null) {
      tokenServer.close();
      tokenServer = null;
    }
    if (workDir != null) {
      deleteRecursively(workDir);
      workDir = null;
    }
  }

  /** {@code 127.0.0.1:<port>}, the registry part of image references. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  public URI url() {
    return URI.create("http://" + host());
  }

  /** {@code repositoryAndTag} (e.g. {@code team/app:1}) on this registry. */
  public ImageReference reference(String repositoryAndTag) {
    return ImageReference.parse(host() + "/" + repositoryAndTag);
  }

  /** The credentials this registry accepts, keyed by {@link #host()}; empty if anonymous. */
  public CredentialStore credentials() {
    return auth == Auth.NONE
        ? CredentialStore.empty()
        : CredentialStore.of(Map.of(host(), new RegistryCredentials(username, password)));
  }

  /** Config with this registry's credentials and {@link #FAST_RETRY}. */
  public RegistryConfig.Builder configBuilder() {
    return RegistryConfig.builder().credentials(credentials()).retry(FAST_RETRY);
  }

  /** A client with this registry's credentials. */
  public HttpRegistryClient client() {
    return new HttpRegistryClient(configBuilder().build());
  }

  /** A client without credentials. */
  public HttpRegistryClient anonymousClient() {
    return new HttpRegistryClient(RegistryConfig.builder().retry(FAST_RETRY).build());
  }

  /** The token server of a {@link #withTokenAuth} registry. */
  public TokenServer tokenServer() {
    return Optional.ofNullable(tokenServer)
        .orElseThrow(() -> new IllegalStateException("this registry does not use token auth"));
  }

  /** The registry's own log; look here when a test fails. */
  public Path logFile() {
    return workDir.resolve("registry.log");
  }

  private void awaitReady() throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest ping =
        HttpRequest.newBuilder(url().resolve("/v2/")).timeout(Duration.ofSeconds(2)).build();
    Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "docker-registry exited with "
                + process.exitValue()
                + ":\n"
                + Files.readString(logFile()));
      }
      try {
        http.send(ping, HttpResponse.BodyHandlers.discarding());
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    stop();
    throw new IllegalStateException("docker-registry did not answer within " + STARTUP_TIMEOUT);
  }

  private String bcryptLine() throws IOException, InterruptedException {
    Path htpasswd = requireTool("htpasswd", "LAYERCACHE_HTPASSWD_BINARY");
    Process p =
        new ProcessBuilder(htpasswd.toString(), "-Bbn", username, password)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("htpasswd failed: " + out);
    }
    return out.strip() + "\n";
  }

  /** Finds a tool on PATH; skips the test without it, or fails when CI=true. */
  static Path requireTool(String name, String overrideVariable) {
    String override = System.getenv(overrideVariable);
    Stream<Path> candidates =
        override != null
            ? Stream.of(Path.of(override))
            : Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
                .map(dir -> Path.of(dir, name));
    Optional<Path> found = candidates.filter(Files::isExecutable).findFirst();
    if (found.isPresent()) {
      return found.get();
    }
    String message =
        name + " not found on PATH (Debian: apt-get install docker-registry apache2-utils)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(message + "; CI=true, so this is a failure, not a skip");
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + dir, e);
    }
  }
}
