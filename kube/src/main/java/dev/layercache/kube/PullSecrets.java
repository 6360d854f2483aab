package dev.layercache.kube;

import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.oci.CredentialStore;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Set;

/**
 * Reads {@code kubernetes.io/dockerconfigjson} Secrets by reference into registry credentials: a
 * GET each (never list or watch, so {@code get} on secrets is all the RBAC it needs). A secret that
 * is missing, forbidden or malformed is a {@link SecretProblem} that says what to fix or grant.
 */
public final class PullSecrets {
  /** The ClusterRole deploy/ ships for reading secrets by name; bound per namespace. */
  public static final String READER_ROLE = "layercache-pull-secret-reader";

  private static final String KEY = ".dockerconfigjson";

  private final KubernetesClient client;
  private final Set<String> allowedNamespaces;
  private final String serviceAccount;

  /**
   * @param allowedNamespaces where secrets may be read from; empty means any
   * @param serviceAccount who reads, {@code namespace/name}, for the grant a forbidden read asks
   *     for
   */
  public PullSecrets(
      KubernetesClient client, Set<String> allowedNamespaces, String serviceAccount) {
    this.client = client;
    this.allowedNamespaces = Set.copyOf(allowedNamespaces);
    this.serviceAccount = serviceAccount;
  }

  /** The credentials of all {@code refs}; for a registry several of them have, the first one's. */
  public CredentialStore credentials(Collection<SecretRef> refs) throws SecretProblem {
    CredentialStore merged = CredentialStore.empty();
    for (SecretRef ref : refs) {
      merged = read(ref).with(merged);
    }
    return merged;
  }

  /** The credentials of one secret. */
  public CredentialStore read(SecretRef ref) throws SecretProblem {
    String namespace = ref.getNamespace();
    String where = "pull secret " + namespace + "/" + ref.getName();
    if (!allowedNamespaces.isEmpty() && !allowedNamespaces.contains(namespace)) {
      throw new SecretProblem(
          Reasons.PULL_SECRET_FORBIDDEN,
          where
              + ": pull secrets may be read only from "
              + allowedNamespaces
              + " (LAYERCACHE_SECRET_NAMESPACES)");
    }
    Secret secret;
    try {
      secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_FORBIDDEN) {
        throw e;
      }
      throw new SecretProblem(
          Reasons.PULL_SECRET_FORBIDDEN,
          where
              + ": ServiceAccount "
              + serviceAccount
              + " may not read it; grant it with `kubectl -n "
              + namespace
              + " create rolebinding layercache-pull-secrets --clusterrole="
              + READER_ROLE
              + " --serviceaccount="
              + serviceAccount.replace('/', ':')
              + "`");
    }
    if (secret == null) {
      throw new SecretProblem(Reasons.PULL_SECRET_NOT_FOUND, where + " not found");
    }
    // The API server returns data only (base64); stringData is write-only.
    String payload = secret.getData() == null ? null : secret.getData().get(KEY);
    if (payload == null) {
      throw new SecretProblem(
          Reasons.PULL_SECRET_INVALID,
          where + " has no " + KEY + " key (type kubernetes.io/dockerconfigjson)");
    }
    try {
      return CredentialStore.fromDockerConfigJson(payload.getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new SecretProblem(Reasons.PULL_SECRET_INVALID, where + ": " + e.getMessage());
    }
  }
}
