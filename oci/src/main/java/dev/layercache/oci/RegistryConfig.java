package dev.layercache.oci;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where and how to reach registries: credentials, mirrors, plain-HTTP hosts, retries, timeouts.
 * Loopback hosts ({@code localhost}, 127.0.0.0/8, {@code ::1}) use plain HTTP without being listed,
 * as Docker does.
 */
public final class RegistryConfig {
  private static final String DOCKER_HUB_API = "registry-1.docker.io";

  private final CredentialStore credentials;
  private final Map<String, List<URI>> mirrors;
  private final Set<String> plainHttp;
  private final RetryPolicy retry;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final long chunkSize;

  private RegistryConfig(Builder b) {
    this.credentials = b.credentials;
    this.mirrors = Map.copyOf(b.mirrors);
    this.plainHttp = Set.copyOf(b.plainHttp);
    this.retry = b.retry;
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.chunkSize = b.chunkSize;
  }

  public static RegistryConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The registry's own API endpoint, e.g. {@code https://registry-1.docker.io}. */
  public URI endpoint(String registry) {
    String host = registry.equals(ImageReference.DOCKER_HUB) ? DOCKER_HUB_API : registry;
    String scheme = plainHttp.contains(registry) || isLoopback(registry) ? "http" : "https";
    return URI.create(scheme + "://" + host);
  }

  /** Endpoints to pull from, in order: the registry's mirrors, then the registry itself. */
  public List<URI> pullEndpoints(String registry) {
    List<URI> endpoints = new ArrayList<>(mirrors.getOrDefault(registry, List.of()));
    endpoints.add(endpoint(registry));
    return endpoints;
  }

  public CredentialStore credentials() {
    return credentials;
  }

  public RetryPolicy retry() {
    return retry;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Blobs larger than this are uploaded in chunks of this size. */
  public long chunkSize() {
    return chunkSize;
  }

  static boolean isLoopback(String hostAndPort) {
    String host = hostAndPort;
    if (host.startsWith("[")) {
      host = host.substring(1, host.indexOf(']'));
    } else if (host.indexOf(':') >= 0) {
      host = host.substring(0, host.indexOf(':'));
    }
    return host.equals("localhost")
        || host.equals("::1")
        || host.equals("0:0:0:0:0:0:0:1")
        || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  /** Builds a {@link RegistryConfig}. */
  public static final class Builder {
    private CredentialStore credentials = CredentialStore.empty();
    private final Map<String, List<URI>> mirrors = new HashMap<>();
    private final Set<String> plainHttp = new HashSet<>();
    private RetryPolicy retry = RetryPolicy.DEFAULT;
    private Duration connectTimeout = Duration.ofSeconds(15);
    private Duration requestTimeout = Duration.ofSeconds(60);
    private long chunkSize = 64L << 20;

    public Builder credentials(CredentialStore credentials) {
      this.credentials = credentials;
      return this;
    }

    /** Adds a mirror for {@code registry} (e.g. docker.io), tried before it, in order of adding. */
    public Builder mirror(String registry, URI mirror) {
      mirrors.computeIfAbsent(registry, r -> new ArrayList<>()).add(mirror);
      return this;
    }

    /** Reaches {@code registry} (host or host:port) over plain HTTP. */
    public Builder plainHttp(String registry) {
      plainHttp.add(registry);
      return this;
    }

    public Builder retry(RetryPolicy retry) {
      this.retry = retry;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /** How long to wait for response headers. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      return this;
    }

    public Builder chunkSize(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("chunk size must be positive");
      }
      this.chunkSize = bytes;
      return this;
    }

    public RegistryConfig build() {
      return new RegistryConfig(this);
    }
  }
}
