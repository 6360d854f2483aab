package dev.layercache.operator;

import dev.layercache.kube.HealthServer;
import dev.layercache.kube.Shutdown;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.RegistryConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;

/**
 * Entry point of the operator Deployment: reads the config, wires, starts, and on SIGTERM stops
 * everything in reverse order and exits 0.
 */
public final class Main {
  /**
   * How long stopping may take (controllers finish their reconciles, informers close); under the
   * kubelet's default 30 s grace.
   */
  private static final Duration SHUTDOWN_BOUND = Duration.ofSeconds(25);

  private Main() {}

  public static void main(String[] args) throws Exception {
    OperatorConfig config = OperatorConfig.fromEnv(System.getenv());
    Shutdown shutdown = Shutdown.onSignals(SHUTDOWN_BOUND);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    try (KubernetesClient client = new KubernetesClientBuilder().build();
        LayercacheOperator operator =
            new LayercacheOperator(
                client,
                config,
                registry,
                credentials ->
                    new HttpRegistryClient(
                        RegistryConfig.builder().credentials(credentials).build()),
                Clock.systemUTC());
        HealthServer server = new HealthServer(config.metricsPort(), registry, operator::healthy)) {
      shutdown.await();
    }
    // Every server and loop is closed; threads the libraries leave idle must not hold the exit up.
    System.exit(0);
  }
}
