package dev.layercache.agent.cluster;

import dev.layercache.agent.store.LayerFetcher;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.oci.CredentialStore;
import dev.layercache.oci.RegistryClient;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registry access for the agent: the credentials of every pull secret the NodeCache's layers
 * reference, read by reference (the agent may read Secrets, it never lists them).
 */
public final class RegistryClients {
  private static final Logger log = LoggerFactory.getLogger(RegistryClients.class);
  private static final String DOCKER_CONFIG_JSON = ".dockerconfigjson";

  /** Secrets are read again at most this often (or when the set referenced changes). */
  static final Duration REREAD = Duration.ofMinutes(2);

  private final KubernetesClient kube;
  private final Function<CredentialStore, RegistryClient> clients;
  private List<String> secretVersions = List.of();
  private Set<SecretRef> lastRefs = Set.of();
  private Instant lastRead = Instant.EPOCH;

  /** {@code clients} makes a client from the secrets' credentials (and whatever else it adds). */
  public RegistryClients(KubernetesClient kube, Function<CredentialStore, RegistryClient> clients) {
    this.kube = kube;
    this.clients = clients;
  }

  /**
   * A fetcher whose client holds the credentials of these sources' secrets: {@code current} if they
   * have not changed since it was made.
   */
  LayerFetcher fetcherFor(
      List<LayerSource> sources,
      LayerStore store,
      ExecutorService pool,
      Clock clock,
      LayerFetcher current) {
    Set<SecretRef> refs = new LinkedHashSet<>();
    for (LayerSource source : sources) {
      if (source.getPullSecrets() != null) {
        refs.addAll(source.getPullSecrets());
      }
    }
    // Syncs are frequent; a GET per secret each time would load the API server on big clusters.
    Instant now = clock.instant();
    if (current != null
        && refs.equals(lastRefs)
        && Duration.between(lastRead, now).compareTo(REREAD) < 0) {
      return current;
    }
    lastRefs = refs;
    lastRead = now;
    List<Secret> secrets = new ArrayList<>();
    List<String> versions = new ArrayList<>();
    for (SecretRef ref : refs) {
      Secret secret = kube.secrets().inNamespace(ref.getNamespace()).withName(ref.getName()).get();
      versions.add(
          ref.getNamespace()
              + "/"
              + ref.getName()
              + "@"
              + (secret == null ? "missing" : secret.getMetadata().getResourceVersion()));
      if (secret == null) {
        log.warn("pull secret {}/{} not found", ref.getNamespace(), ref.getName());
      } else {
        secrets.add(secret);
      }
    }
    if (current != null && versions.equals(secretVersions)) {
      return current;
    }
    CredentialStore credentials = CredentialStore.empty();
    for (Secret secret : secrets) {
      credentials = credentials.with(credentials(secret));
    }
    secretVersions = versions;
    return new LayerFetcher(clients.apply(credentials), store, pool, clock);
  }

  /** A client with the credentials of one secret, e.g. a workspace's push secret. */
  RegistryClient clientWith(String namespace, String secretName) {
    if (secretName == null) {
      return clients.apply(CredentialStore.empty());
    }
    Secret secret = kube.secrets().inNamespace(namespace).withName(secretName).get();
    if (secret == null) {
      throw new IllegalStateException("secret " + namespace + "/" + secretName + " not found");
    }
    return clients.apply(credentials(secret));
  }

  private static CredentialStore credentials(Secret secret) {
    String encoded = secret.getData() == null ? null : secret.getData().get(DOCKER_CONFIG_JSON);
    String plain =
        secret.getStringData() == null ? null : secret.getStringData().get(DOCKER_CONFIG_JSON);
    try {
      return CredentialStore.fromDockerConfigJson(
          Objects.requireNonNullElse(encoded, Objects.requireNonNullElse(plain, "{}"))
              .getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      log.warn(
          "pull secret {}/{}: {}",
          secret.getMetadata().getNamespace(),
          secret.getMetadata().getName(),
          e.getMessage());
      return CredentialStore.empty();
    }
  }
}
