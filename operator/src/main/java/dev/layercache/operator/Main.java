package dev.layercache.operator;

import dev.layercache.kube.HealthServer;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.RegistryConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;

/** Entry point of the operator Deployment: reads the config, wires, starts. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    OperatorConfig config = OperatorConfig.fromEnv(System.getenv());
    KubernetesClient client = new KubernetesClientBuilder().build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    LayercacheOperator operator =
        new LayercacheOperator(
            client,
            config,
            registry,
            credentials ->
                new HttpRegistryClient(RegistryConfig.builder().credentials(credentials).build()),
            Clock.systemUTC());
    HealthServer server = new HealthServer(config.metricsPort(), registry, operator::healthy);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  operator.close();
                  client.close();
                }));
  }
}
