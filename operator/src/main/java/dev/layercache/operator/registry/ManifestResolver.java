package dev.layercache.operator.registry;

import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.kube.Layers;
import dev.layercache.kube.PullSecrets;
import dev.layercache.kube.SecretProblem;
import dev.layercache.oci.CredentialStore;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryClient;
import dev.layercache.operator.support.OperatorMetrics;
import dev.layercache.operator.support.ReconcileProblem;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/** Resolves image references to one manifest and its layers per platform, with the oci client. */
public final class ManifestResolver {
  private final Function<CredentialStore, RegistryClient> clients;
  private final PullSecrets secrets;
  private final OperatorMetrics metrics;

  /** {@code clients} makes a registry client for a set of credentials. */
  public ManifestResolver(
      Function<CredentialStore, RegistryClient> clients,
      PullSecrets secrets,
      OperatorMetrics metrics) {
    this.clients = clients;
    this.secrets = secrets;
    this.metrics = metrics;
  }

  /**
   * One entry per image and platform, in the order given, with the credentials of {@code
   * pullSecrets}; fails on the first image that fails.
   */
  public List<ResolvedImage> resolve(
      String controller,
      List<String> images,
      Collection<String> platforms,
      List<SecretRef> pullSecrets)
      throws ReconcileProblem {
    RegistryClient client;
    try {
      client = clients.apply(secrets.credentials(pullSecrets));
    } catch (SecretProblem e) {
      throw ReconcileProblem.of(e);
    }
    List<ResolvedImage> resolved = new ArrayList<>();
    for (String image : images) {
      for (String platform : platforms) {
        resolved.add(resolve(controller, client, image, platform));
      }
    }
    return resolved;
  }

  private ResolvedImage resolve(
      String controller, RegistryClient client, String image, String platform)
      throws ReconcileProblem {
    long start = System.nanoTime();
    String result = "ok";
    try {
      return toApi(
          image, platform, client.resolve(ImageReference.parse(image), Platform.parse(platform)));
    } catch (IOException e) {
      ReconcileProblem failure = ReconcileProblem.of(image, platform, e);
      result = failure.reason();
      throw failure;
    } finally {
      metrics.resolved(controller, result, Duration.ofNanos(System.nanoTime() - start));
    }
  }

  private static ResolvedImage toApi(
      String image, String platform, dev.layercache.oci.ResolvedImage resolved) {
    ResolvedImage api = new ResolvedImage();
    api.setImage(image);
    api.setDigest(resolved.manifestDigest().toString());
    api.setPlatform(platform);
    api.setLayers(resolved.layers().stream().map(Layers::toApi).toList());
    return api;
  }
}
