package dev.layercache.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.agent.workspace.SpaceReport;
import dev.layercache.api.testing.MonitoringQueries;
import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.ContainerdSavings;
import dev.layercache.api.v1alpha1.DiskStatus;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import dev.layercache.api.v1alpha1.Savings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What the agent serves on /metrics (AgentMetrics on the registry the agent builds), against what
 * deploy/monitoring's dashboard and alerts read; NodeAgentIT checks the same on a running agent.
 */
class AgentMetricsTest {

  @Test
  void everyAgentMetricTheDashboardAndAlertsQueryIsServed() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("node", "node-a");
    AgentMetrics metrics = new AgentMetrics(registry);
    metrics.layerPulled(1024, Duration.ofSeconds(20));
    metrics.layerFailed();
    metrics.evicted(1, 1024);
    metrics.synced(Instant.ofEpochSecond(1_700_000_000));
    metrics.observe(SpaceReport.compute(List.of(), List.of(), List.of()), 0, pressed());
    String scrape = registry.scrape();
    Set<String> served = MonitoringQueries.served(scrape);

    Set<String> queried =
        MonitoringQueries.metrics().stream()
            .filter(MonitoringQueries.OPERATOR.negate())
            .filter(m -> !MonitoringQueries.PROMETHEUS_OWN.contains(m))
            .collect(Collectors.toSet());
    assertThat(queried).as("agent metrics deploy/monitoring queries").hasSizeGreaterThan(10);
    assertThat(served).as("what the agent serves").containsAll(queried);
    assertThat(scrape)
        .contains("layercache_last_sync_timestamp_seconds{node=\"node-a\"} 1.7E9")
        .contains("layercache_disk_pressure{node=\"node-a\"} 1.0")
        .contains("layercache_disk_capacity_bytes{node=\"node-a\"} 1000.0")
        .contains("layercache_disk_used_bytes{node=\"node-a\"} 600.0")
        .contains("layercache_containerd_saved_bytes{node=\"node-a\"} 300.0")
        // The 20 s pull falls in the 30 s bucket, not the 15 s one.
        .contains("layercache_layer_pull_duration_seconds_bucket{node=\"node-a\",le=\"15.0\"} 0")
        .contains("layercache_layer_pull_duration_seconds_bucket{node=\"node-a\",le=\"30.0\"} 1");
    assertThat(MonitoringQueries.unconventional(scrape)).isEmpty();
    // Gauges, too: bytes in _bytes, times in _seconds, counts unitless.
    assertThat(served)
        .filteredOn(n -> n.startsWith("layercache_"))
        .allSatisfy(
            n ->
                assertThat(n)
                    .matches(
                        ".*(_bytes|_total|_seconds|_seconds_(count|sum|max|bucket)|_cached|_failed"
                            + "|_workspaces|_pressure)$"));
  }

  /**
   * A status with DiskPressure: 600 of 1000 bytes in use; containerd does not store 300 bytes
   * twice.
   */
  private static NodeCacheStatus pressed() {
    NodeCacheStatus status = new NodeCacheStatus();
    DiskStatus disk = new DiskStatus();
    disk.setCapacityBytes(1000L);
    disk.setUsedBytes(600L);
    status.setDisk(disk);
    ContainerdSavings containerd = new ContainerdSavings();
    containerd.setNotStoredTwiceBytes(300L);
    Savings savings = new Savings();
    savings.setContainerd(containerd);
    status.setSavings(savings);
    status.setLayers(List.of());
    status.setConditions(
        new Conditions(null, 1L, Instant.EPOCH)
            .set(NodeCacheStatus.DISK_PRESSURE, true, "OverHighWatermark", "no room")
            .build());
    return status;
  }
}
