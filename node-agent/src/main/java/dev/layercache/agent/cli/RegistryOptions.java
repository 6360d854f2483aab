package dev.layercache.agent.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.layercache.oci.CredentialStore;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.RegistryClient;
import dev.layercache.oci.RegistryConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** How the CLI reaches registries: a config file, flags, and Docker's credentials. */
public final class RegistryOptions {
  static final Path DEFAULT_CONFIG = Path.of("/etc/layercache/registries.yaml");

  @Option(
      scope = ScopeType.INHERIT,
      names = "--registry-config",
      paramLabel = "FILE",
      description =
          "Registry settings (YAML: mirrors: {REGISTRY: [URL...]}, plainHttp: [HOST...]);"
              + " default ${DEFAULT-VALUE} when it exists.",
      defaultValue = "/etc/layercache/registries.yaml")
  Path configFile;

  @Option(
      scope = ScopeType.INHERIT,
      names = "--insecure-registry",
      paramLabel = "HOST[:PORT]",
      description = "Reach this registry over plain HTTP (loopback registries always are).")
  List<String> plainHttp = new ArrayList<>();

  @Option(
      scope = ScopeType.INHERIT,
      names = "--mirror",
      paramLabel = "REGISTRY=URL",
      description = "Try URL before REGISTRY, e.g. docker.io=https://mirror.example.")
  Map<String, String> mirrors = new LinkedHashMap<>();

  @Option(
      scope = ScopeType.INHERIT,
      names = "--docker-config",
      paramLabel = "FILE",
      description =
          "Credentials file (default: $DOCKER_CONFIG/config.json or ~/.docker/config.json).")
  Path dockerConfig;

  /** The clients this command made, closed when it ends (see {@link #closeClients}). */
  private final List<HttpRegistryClient> clients = new ArrayList<>();

  /** The file format of {@code --registry-config}. */
  record RegistryFile(Map<String, List<String>> mirrors, List<String> plainHttp) {}

  RegistryClient client() throws IOException {
    return client(CredentialStore.empty());
  }

  /** A client with Docker's credentials and {@code extra} (which win for the same registry). */
  RegistryClient client(CredentialStore extra) {
    RegistryConfig.Builder config = RegistryConfig.builder();
    if (Files.exists(configFile)) {
      RegistryFile file = readConfig(configFile);
      if (file.mirrors() != null) {
        file.mirrors().forEach((registry, urls) -> urls.forEach(u -> mirror(config, registry, u)));
      }
      if (file.plainHttp() != null) {
        file.plainHttp().forEach(config::plainHttp);
      }
    } else if (!configFile.equals(DEFAULT_CONFIG)) {
      throw new BadInputException("registry config " + configFile + " does not exist");
    }
    plainHttp.forEach(config::plainHttp);
    mirrors.forEach((registry, url) -> mirror(config, registry, url));
    try {
      config.credentials(CredentialStore.fromDockerConfig(dockerConfigPath()).with(extra));
    } catch (IOException e) {
      throw new BadInputException("docker config " + dockerConfigPath() + ": " + e.getMessage());
    }
    HttpRegistryClient client = new HttpRegistryClient(config.build());
    synchronized (clients) {
      clients.add(client);
    }
    return client;
  }

  /** Closes the clients made so far: the command is over (a JVM's exit waits for their threads). */
  void closeClients() {
    synchronized (clients) {
      clients.forEach(HttpRegistryClient::close);
      clients.clear();
    }
  }

  private Path dockerConfigPath() {
    if (dockerConfig != null) {
      return dockerConfig;
    }
    String dir = System.getenv("DOCKER_CONFIG");
    return dir != null
        ? Path.of(dir, "config.json")
        : Path.of(System.getProperty("user.home"), ".docker", "config.json");
  }

  private static RegistryFile readConfig(Path file) {
    try {
      return new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .readValue(file.toFile(), RegistryFile.class);
    } catch (IOException e) {
      throw new BadInputException("registry config " + file + ": " + e.getMessage());
    }
  }

  private static void mirror(RegistryConfig.Builder config, String registry, String url) {
    try {
      config.mirror(registry, URI.create(url));
    } catch (IllegalArgumentException e) {
      throw new BadInputException("mirror for " + registry + ": not a URL: " + url);
    }
  }
}
