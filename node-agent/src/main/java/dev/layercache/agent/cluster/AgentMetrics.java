package dev.layercache.agent.cluster;

import dev.layercache.agent.workspace.SpaceReport;
import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.ContainerdSavings;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The agent's metrics, named {@code layercache_*} in base units and tagged by node (never by object
 * name). Gauges show the last sync; counters and the timer add up.
 */
public final class AgentMetrics {
  private static final Duration[] PULL_DURATION_BUCKETS =
      Stream.of(1, 5, 15, 30, 60, 120, 300, 600, 1800)
          .map(Duration::ofSeconds)
          .toArray(Duration[]::new);

  private final AtomicLong layers = new AtomicLong();
  private final AtomicLong layerBytes = new AtomicLong();
  private final AtomicLong logicalBytes = new AtomicLong();
  private final AtomicLong physicalBytes = new AtomicLong();
  private final AtomicLong savedBytes = new AtomicLong();
  private final AtomicLong containerdSavedBytes = new AtomicLong();
  private final AtomicLong workspaces = new AtomicLong();
  private final AtomicLong upperBytes = new AtomicLong();
  private final AtomicLong wastedBytes = new AtomicLong();
  private final AtomicLong layersFailed = new AtomicLong();
  private final AtomicLong diskCapacityBytes = new AtomicLong();
  private final AtomicLong diskUsedBytes = new AtomicLong();
  private final AtomicLong diskPressure = new AtomicLong();
  private final AtomicLong lastSyncSeconds = new AtomicLong();
  private final Counter pulledBytes;
  private final Counter pullFailures;
  private final Timer pullDuration;
  private final Counter evictedLayers;
  private final Counter freedBytes;

  public AgentMetrics(MeterRegistry registry) {
    registry.gauge("layercache_layers_cached", layers);
    registry.gauge("layercache_layers_cached_bytes", layerBytes);
    registry.gauge("layercache_logical_bytes", logicalBytes);
    registry.gauge("layercache_physical_bytes", physicalBytes);
    registry.gauge("layercache_saved_bytes", savedBytes);
    Gauge.builder("layercache_containerd_saved_bytes", containerdSavedBytes, AtomicLong::get)
        .description(
            "Bytes containerd does not store twice because its snapshots stand on store layers"
                + " (the NodeCache's savings.containerd.notStoredTwiceBytes; not in saved_bytes)")
        .register(registry);
    registry.gauge("layercache_workspaces", workspaces);
    registry.gauge("layercache_upper_bytes", upperBytes);
    Gauge.builder("layercache_wasted_bytes", wastedBytes, AtomicLong::get)
        .description("Bytes of cached layers no cached image shows (removed or replaced later)")
        .register(registry);
    registry.gauge("layercache_layers_failed", layersFailed);
    Gauge.builder("layercache_disk_capacity_bytes", diskCapacityBytes, AtomicLong::get)
        .description("Size of the filesystem that holds the store")
        .register(registry);
    Gauge.builder("layercache_disk_used_bytes", diskUsedBytes, AtomicLong::get)
        .description("Bytes in use on the filesystem that holds the store, by anyone")
        .register(registry);
    Gauge.builder("layercache_disk_pressure", diskPressure, AtomicLong::get)
        .description("1 while the NodeCache's DiskPressure condition is True: a pull did not fit")
        .register(registry);
    Gauge.builder("layercache_last_sync_timestamp_seconds", lastSyncSeconds, AtomicLong::get)
        .description(
            "When the agent last converged its node to a watched NodeCache (the status is written"
                + " only when it changes, so this, not lastSyncTime, shows the agent is alive)")
        .register(registry);
    pulledBytes =
        Counter.builder("layercache_pulled_bytes")
            .description("Compressed bytes of layers pulled")
            .register(registry);
    pullFailures =
        Counter.builder("layercache_layer_pull_failures")
            .description("Layers that failed from every source")
            .register(registry);
    pullDuration =
        Timer.builder("layercache_layer_pull_duration")
            .description("Time to fetch, verify and unpack one layer")
            // Histogram buckets for percentiles, few and fixed (each is a series per node).
            .serviceLevelObjectives(PULL_DURATION_BUCKETS)
            .register(registry);
    evictedLayers =
        Counter.builder("layercache_gc_evicted_layers")
            .description("Layers evicted by GC")
            .register(registry);
    freedBytes =
        Counter.builder("layercache_gc_freed_bytes")
            .description("Bytes freed by GC")
            .register(registry);
  }

  void layerPulled(long bytes, Duration took) {
    pulledBytes.increment(Math.max(0, bytes));
    pullDuration.record(took);
  }

  void synced(Instant at) {
    lastSyncSeconds.set(at.getEpochSecond());
  }

  void layerFailed() {
    pullFailures.increment();
  }

  void evicted(int layerCount, long bytes) {
    evictedLayers.increment(layerCount);
    freedBytes.increment(bytes);
  }

  void observe(SpaceReport space, int workspaceCount, NodeCacheStatus status) {
    layers.set(space.layerCount());
    layerBytes.set(space.layerBytes());
    logicalBytes.set(space.logicalBytes());
    physicalBytes.set(space.physicalBytes());
    savedBytes.set(space.savedBytes());
    workspaces.set(workspaceCount);
    upperBytes.set(space.upperBytes());
    ContainerdSavings containerd =
        status.getSavings() == null ? null : status.getSavings().getContainerd();
    containerdSavedBytes.set(containerd == null ? 0 : orZero(containerd.getNotStoredTwiceBytes()));
    if (status.getDisk() != null && status.getDisk().getWastedBytes() != null) {
      wastedBytes.set(status.getDisk().getWastedBytes());
    }
    layersFailed.set(
        status.getLayers().stream().filter(l -> l.getState() == LayerState.Failed).count());
    if (status.getDisk() != null) {
      diskCapacityBytes.set(orZero(status.getDisk().getCapacityBytes()));
      diskUsedBytes.set(orZero(status.getDisk().getUsedBytes()));
    }
    diskPressure.set(
        Conditions.isTrue(status.getConditions(), NodeCacheStatus.DISK_PRESSURE) ? 1 : 0);
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }
}
