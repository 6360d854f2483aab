package dev.layercache.operator;

import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.kube.PullSecrets;
import dev.layercache.oci.CredentialStore;
import dev.layercache.oci.RegistryClient;
import dev.layercache.operator.layercache.LayerCacheReconciler;
import dev.layercache.operator.layercache.LayerCacheResolver;
import dev.layercache.operator.nodecache.NodeCacheReconciler;
import dev.layercache.operator.nodecache.NodeCacheWriter;
import dev.layercache.operator.registry.ManifestResolver;
import dev.layercache.operator.registry.RecentResolutions;
import dev.layercache.operator.support.EventRecorder;
import dev.layercache.operator.support.OperatorMetrics;
import dev.layercache.operator.workspace.OverlayWorkspaceReconciler;
import dev.layercache.operator.workspace.WorkspacePlacer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * The operator, wired by hand: collaborators and the three controllers, each with the JOSDK event
 * sources it reads. Main and the tests build it the same way, so they run the same patch mode.
 */
public final class LayercacheOperator implements AutoCloseable {
  /** How long workspace placements reuse a resolution of their image (a tag may lag so long). */
  static final Duration PLACEMENT_RESOLUTIONS = Duration.ofSeconds(30);

  private final Operator operator;

  /**
   * Starts the controllers (with leader election when the config names a lease namespace).
   *
   * @param registryClients makes a registry client for a set of pull credentials
   */
  public LayercacheOperator(
      KubernetesClient client,
      OperatorConfig config,
      MeterRegistry registry,
      Function<CredentialStore, RegistryClient> registryClients,
      Clock clock) {
    OperatorMetrics metrics = new OperatorMetrics(registry);
    ManifestResolver manifests =
        new ManifestResolver(
            registryClients,
            new PullSecrets(client, config.secretNamespaces(), config.serviceAccount()),
            metrics);
    EventRecorder events = new EventRecorder(client, clock);

    operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
                  .withCloseClientOnStop(false)
                  // Statuses by server-side apply, one field manager per controller (its name):
                  // see docs/operator.md.
                  .withUseSSAToPatchPrimaryResource(true);
              config
                  .leaseNamespace()
                  .ifPresent(
                      ns ->
                          o.withLeaderElectionConfiguration(
                              new LeaderElectionConfiguration(OperatorConfig.LEASE_NAME, ns)));
            });
    operator.register(
        new LayerCacheReconciler(
            new LayerCacheResolver(manifests, config.initialBackoff(), config.maxBackoff()),
            events,
            metrics,
            clock));
    operator.register(
        new OverlayWorkspaceReconciler(
            client,
            // Placements share a resolution for a while: see RecentResolutions.
            new WorkspacePlacer(new RecentResolutions(manifests, PLACEMENT_RESOLUTIONS, clock)),
            events,
            clock,
            config.initialBackoff(),
            config.maxBackoff()));
    operator.register(
        new NodeCacheReconciler(new NodeCacheWriter(client, metrics), metrics, events));
    awaitServedKinds(client);
    operator.start();
  }

  /**
   * Right after the CRDs are installed the API server answers lists of them with 429 "storage is
   * (re)initializing" for a moment, and an informer that meets it stops for good: wait until each
   * kind lists (bounded), so the operator does not crash-loop on a fresh install.
   */
  private static void awaitServedKinds(KubernetesClient client) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (Class<? extends HasMetadata> kind :
        List.of(LayerCache.class, OverlayWorkspace.class, NodeCache.class)) {
      while (true) {
        try {
          client
              .resources(kind)
              .inAnyNamespace()
              .list(new ListOptionsBuilder().withLimit(1L).build());
          break;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 429 || System.nanoTime() > deadline) {
            throw e;
          }
          try {
            Thread.sleep(500);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw e;
          }
        }
      }
    }
  }

  /** Healthy once started and while every controller's informers watch. */
  public boolean healthy() {
    return operator.getRuntimeInfo().isStarted()
        && operator.getRuntimeInfo().allEventSourcesAreHealthy();
  }

  @Override
  public void close() {
    operator.stop();
  }
}
