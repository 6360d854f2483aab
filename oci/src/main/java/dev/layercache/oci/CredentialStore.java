package dev.layercache.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Credentials per registry host, read from a Docker {@code config.json} or the payload of a
 * Kubernetes {@code kubernetes.io/dockerconfigjson} secret (the same JSON).
 */
public final class CredentialStore {
  private static final CredentialStore EMPTY = new CredentialStore(Map.of());

  private final Map<String, RegistryCredentials> byHost;

  private CredentialStore(Map<String, RegistryCredentials> byHost) {
    this.byHost = Map.copyOf(byHost);
  }

  public static CredentialStore empty() {
    return EMPTY;
  }

  /** Credentials keyed by registry host as written in image references, e.g. {@code ghcr.io}. */
  public static CredentialStore of(Map<String, RegistryCredentials> byRegistry) {
    Map<String, RegistryCredentials> normalised = new HashMap<>();
    byRegistry.forEach((k, v) -> normalised.put(normaliseHost(k), v));
    return new CredentialStore(normalised);
  }

  /** These credentials and {@code other}'s; for a registry in both, {@code other}'s win. */
  public CredentialStore with(CredentialStore other) {
    Map<String, RegistryCredentials> merged = new HashMap<>(byHost);
    merged.putAll(other.byHost);
    return new CredentialStore(merged);
  }

  /** Reads a Docker config.json file; a missing file means no credentials. */
  public static CredentialStore fromDockerConfig(Path configJson) throws IOException {
    if (!Files.exists(configJson)) {
      return EMPTY;
    }
    return fromDockerConfigJson(Files.readAllBytes(configJson));
  }

  /**
   * Reads the {@code .dockerconfigjson} payload of a Kubernetes secret; accepts it raw or still
   * base64-encoded as in the secret's YAML.
   */
  public static CredentialStore fromDockerConfigJson(byte[] payload) throws IOException {
    byte[] json = payload;
    String text = new String(payload, StandardCharsets.UTF_8).strip();
    if (!text.startsWith("{")) {
      try {
        json = Base64.getMimeDecoder().decode(text);
      } catch (IllegalArgumentException e) {
        throw new IOException("docker config is neither JSON nor base64-encoded JSON");
      }
    }
    JsonNode auths;
    try {
      auths = Json.read(json, "docker config").path("auths");
    } catch (InvalidManifestException e) {
      throw new IOException(e.getMessage(), e);
    }
    Map<String, RegistryCredentials> byHost = new HashMap<>();
    for (Map.Entry<String, JsonNode> entry : auths.properties()) {
      credentials(entry.getKey(), entry.getValue())
          .ifPresent(c -> byHost.put(normaliseHost(entry.getKey()), c));
    }
    return new CredentialStore(byHost);
  }

  private static Optional<RegistryCredentials> credentials(String key, JsonNode entry)
      throws IOException {
    String username = Json.text(entry, "username");
    String password = Json.text(entry, "password");
    String auth = Json.text(entry, "auth");
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IOException("docker config: \"auth\" for " + key + " is not valid base64");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new IOException("docker config: \"auth\" for " + key + " is not user:password");
      }
      username = decoded.substring(0, colon);
      password = decoded.substring(colon + 1);
    }
    String identityToken = Json.text(entry, "identitytoken");
    if (username.isEmpty() && identityToken.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new RegistryCredentials(
            username, password, identityToken.isEmpty() ? null : identityToken));
  }

  /**
   * Credentials for a registry name or endpoint host ({@code registry-1.docker.io} is Docker Hub).
   */
  public Optional<RegistryCredentials> forRegistry(String registry) {
    return Optional.ofNullable(byHost.get(normaliseHost(registry)));
  }

  // Docker keys entries by host, host:port or URL (Hub's is https://index.docker.io/v1/).
  static String normaliseHost(String key) {
    // Read as text, not as a URI: a key is whatever the file says, and must not throw.
    String host = key.strip();
    int scheme = host.indexOf("://");
    if (scheme >= 0) {
      host = host.substring(scheme + 3);
    }
    if (host.contains("/")) {
      host = host.substring(0, host.indexOf('/'));
    }
    return switch (host) {
      case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com" ->
          ImageReference.DOCKER_HUB;
      default -> host;
    };
  }
}
