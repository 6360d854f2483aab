package dev.layercache.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layercache.api.testing.MonitoringQueries;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheSpec;
import dev.layercache.kube.HealthServer;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TestImages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator's /healthz and /metrics, as Prometheus and the kubelet see them. */
public class MetricsIT {
  @RegisterExtension static final RegistryExtension REGISTRY = RegistryExtension.anonymous();

  @Test
  void servesHealthAndLayercacheAndJosdkMetricsTaggedByNodeNotObject() throws Exception {
    ImageReference ref = REGISTRY.reference("team/metrics:1");
    TestImages.sample(ImageFormat.OCI, TestImages.AMD64).push(REGISTRY.client(), ref);
    try (SimulatedCluster cluster = new SimulatedCluster()) {
      cluster.addNode("node-a", Map.of());
      cluster.startOperator(REGISTRY);
      LayerCache layerCache = new LayerCache();
      layerCache.getMetadata().setName("metered");
      LayerCacheSpec spec = new LayerCacheSpec();
      spec.setImages(List.of(ref.toString()));
      layerCache.setSpec(spec);
      cluster.client.resource(layerCache).create();

      try (HealthServer server = new HealthServer(0, cluster.meters, cluster.operator()::healthy)) {
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + server.port());
        assertThat(get(http, base.resolve("/healthz")).statusCode()).isEqualTo(200);

        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .untilAsserted(
                () -> {
                  String metrics = get(http, base.resolve("/metrics")).body();
                  assertThat(metrics)
                      .contains("layercache_node_layers_ready{node=\"node-a\"} 3.0")
                      .contains("layercache_node_saved_bytes{node=\"node-a\"}")
                      .contains(
                          "layercache_image_resolve_seconds_count{controller=\"layercache\",result=\"ok\"}")
                      .contains("layercache_nodecache_spec_writes_total")
                      .contains("layercache_layercaches{condition=\"Resolved\"} 1.0")
                      .contains("layercache_layercaches{condition=\"Degraded\"} 0.0")
                      .contains("layercache_layercache_nodes{state=\"targeted\"} 1.0")
                      .contains("operator_sdk_")
                      .doesNotContain("metered");
                  assertThat(MonitoringQueries.unconventional(metrics)).isEmpty();
                  assertThat(MonitoringQueries.served(metrics))
                      .as("what the operator serves, against what deploy/monitoring queries")
                      .containsAll(
                          MonitoringQueries.metrics().stream()
                              .filter(MonitoringQueries.OPERATOR)
                              .toList());
                });
      }
    }
  }

  private static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }
}
