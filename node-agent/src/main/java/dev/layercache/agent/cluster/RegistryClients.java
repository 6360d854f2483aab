package dev.layercache.agent.cluster;

import dev.layercache.agent.store.LayerFetcher;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.kube.PullSecrets;
import dev.layercache.kube.SecretProblem;
import dev.layercache.oci.CredentialStore;
import dev.layercache.oci.RegistryClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

/**
 * Registry access for the agent, per set of pull secrets: a fetcher holding their credentials. A
 * secret that cannot be read fails only the layers that name it ({@link SecretProblem}).
 */
public final class RegistryClients {
  /**
   * Secrets are read again at most this often: syncs are frequent, a GET each would load the API.
   */
  static final Duration REREAD = Duration.ofMinutes(2);

  private record Access(LayerFetcher fetcher, Instant readAt) {}

  private final PullSecrets secrets;
  private final Function<CredentialStore, RegistryClient> clients;
  private final Map<List<SecretRef>, Access> bySecrets = new HashMap<>();

  /** {@code clients} makes a client from the secrets' credentials (and whatever else it adds). */
  public RegistryClients(PullSecrets secrets, Function<CredentialStore, RegistryClient> clients) {
    this.secrets = secrets;
    this.clients = clients;
  }

  /** A fetcher with the credentials of {@code refs}, made again once {@link #REREAD} has passed. */
  LayerFetcher fetcherFor(List<SecretRef> refs, LayerStore store, ExecutorService pool, Clock clock)
      throws SecretProblem {
    List<SecretRef> key = List.copyOf(refs);
    Instant now = clock.instant();
    Access access = bySecrets.get(key);
    if (access == null || Duration.between(access.readAt(), now).compareTo(REREAD) >= 0) {
      access =
          new Access(
              new LayerFetcher(clients.apply(secrets.credentials(key)), store, pool, clock), now);
      bySecrets.put(key, access);
    }
    return access.fetcher();
  }

  /** Forgets the fetchers of secret sets no layer names any more. */
  void retain(Collection<List<SecretRef>> inUse) {
    bySecrets.keySet().retainAll(inUse);
  }

  /** The credentials of {@code refs}, read now (for the rare pull that needs them). */
  CredentialStore credentials(List<SecretRef> refs) throws SecretProblem {
    return secrets.credentials(refs);
  }

  /** A client with the credentials of one secret (a workspace's push secret), or none. */
  RegistryClient clientWith(SecretRef secret) throws SecretProblem {
    return clients.apply(secret == null ? CredentialStore.empty() : secrets.read(secret));
  }
}
