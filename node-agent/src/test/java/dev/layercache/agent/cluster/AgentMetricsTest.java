package dev.layercache.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.api.testing.MonitoringQueries;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What the agent serves on /metrics, against what deploy/monitoring's dashboard and alerts read.
 */
class AgentMetricsTest {

  @Test
  void everyAgentMetricTheDashboardAndAlertsQueryIsServed() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("node", "node-a");
    AgentMetrics metrics = new AgentMetrics(registry);
    metrics.layerPulled(1024, Duration.ofMillis(30));
    metrics.layerFailed();
    metrics.evicted(1, 1024);
    Set<String> served = MonitoringQueries.served(registry.scrape());

    Set<String> queried =
        MonitoringQueries.metrics().stream()
            .filter(MonitoringQueries.OPERATOR.negate())
            .filter(m -> !MonitoringQueries.PROMETHEUS_OWN.contains(m))
            .collect(Collectors.toSet());
    assertThat(queried).as("agent metrics deploy/monitoring queries").hasSizeGreaterThan(10);
    assertThat(served).as("what the agent serves").containsAll(queried);
    // Prometheus conventions: byte gauges end in _bytes, counters in _total, timers in _seconds.
    assertThat(served)
        .filteredOn(n -> n.startsWith("layercache_"))
        .allSatisfy(
            n ->
                assertThat(n)
                    .matches(
                        ".*(_bytes|_total|_seconds_(count|sum|max)|_timestamp_seconds|_cached|_failed|_workspaces)$"));
  }
}
