package dev.layercache.operator;

import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.oci.CredentialStore;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.RegistryCredentials;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code kubernetes.io/dockerconfigjson} Secrets by reference (a GET each time, no Secret
 * informer: the operator needs no list or watch on Secrets).
 */
final class PullSecrets {
  private static final String KEY = ".dockerconfigjson";

  private final KubernetesClient client;
  private final Set<String> allowedNamespaces;

  /** {@code allowedNamespaces}: where Secrets may be read from; empty means any. */
  PullSecrets(KubernetesClient client, Set<String> allowedNamespaces) {
    this.client = client;
    this.allowedNamespaces = Set.copyOf(allowedNamespaces);
  }

  /** Credentials for the images' registries: for each registry, the first Secret that has some. */
  CredentialStore credentials(Collection<SecretRef> refs, Collection<String> images)
      throws ReconcileProblem {
    List<CredentialStore> stores = new ArrayList<>();
    for (SecretRef ref : refs) {
      stores.add(read(ref));
    }
    Map<String, RegistryCredentials> byRegistry = new HashMap<>();
    for (String image : images) {
      String registry = ImageReference.parse(image).registry();
      stores.stream()
          .map(s -> s.forRegistry(registry))
          .flatMap(Optional::stream)
          .findFirst()
          .ifPresent(c -> byRegistry.putIfAbsent(registry, c));
    }
    return CredentialStore.of(byRegistry);
  }

  private CredentialStore read(SecretRef ref) throws ReconcileProblem {
    String where = "pull secret " + ref.getNamespace() + "/" + ref.getName();
    if (!allowedNamespaces.isEmpty() && !allowedNamespaces.contains(ref.getNamespace())) {
      throw new ReconcileProblem(
          ReconcileProblem.PULL_SECRET_INVALID,
          where + ": the operator reads pull secrets only from " + allowedNamespaces);
    }
    Secret secret = client.secrets().inNamespace(ref.getNamespace()).withName(ref.getName()).get();
    if (secret == null) {
      throw new ReconcileProblem(ReconcileProblem.PULL_SECRET_INVALID, where + " not found");
    }
    String payload = secret.getData() == null ? null : secret.getData().get(KEY);
    if (payload == null) {
      throw new ReconcileProblem(
          ReconcileProblem.PULL_SECRET_INVALID, where + " has no " + KEY + " key");
    }
    try {
      return CredentialStore.fromDockerConfigJson(
          Base64.getDecoder().decode(payload.getBytes(StandardCharsets.US_ASCII)));
    } catch (IOException | IllegalArgumentException e) {
      throw new ReconcileProblem(
          ReconcileProblem.PULL_SECRET_INVALID, where + ": " + e.getMessage());
    }
  }
}
