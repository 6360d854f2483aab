package dev.layercache.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LayerGcTest {
  static String id(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  static LayerRecord layer(char c, long bytes) {
    return new LayerRecord(id(c), bytes, 1, id(c), "t", bytes, Instant.EPOCH);
  }

  final List<LayerRecord> layers =
      List.of(layer('a', 30), layer('b', 20), layer('c', 20), layer('d', 10));
  final Map<String, Instant> lastUsed =
      Map.of(
          id('a'), Instant.parse("2024-01-04T00:00:00Z"),
          id('b'), Instant.parse("2024-01-01T00:00:00Z"),
          id('c'), Instant.parse("2024-01-02T00:00:00Z"),
          id('d'), Instant.parse("2024-01-03T00:00:00Z"));

  @Test
  void underTheHighWatermarkNothingGoes() {
    LayerGc.Plan plan = LayerGc.plan(layers, lastUsed, Set.of(), 100, 85, 0.9, 0.5);
    assertThat(plan.overHighWatermark()).isFalse();
    assertThat(plan.evict()).isEmpty();
  }

  @Test
  void overItLeastRecentlyUsedGoFirstDownToTheLowWatermarkSkippingProtectedLayers() {
    // used 95 of 100, high 90, low 60: must free 35; b (oldest) is in use, so c, d, a.
    LayerGc.Plan plan = LayerGc.plan(layers, lastUsed, Set.of(id('b')), 100, 95, 0.9, 0.6);
    assertThat(plan.evict().stream().map(v -> v.layer().diffId()))
        .containsExactly(id('c'), id('d'), id('a'));
    assertThat(plan.freedBytes()).isEqualTo(60);
    assertThat(plan.protectedLayers()).isEqualTo(1);
    assertThat(plan.stillOverLow()).isFalse();
  }

  @Test
  void whenProtectedLayersFillTheDiskItSaysSo() {
    LayerGc.Plan plan =
        LayerGc.plan(layers, lastUsed, Set.of(id('a'), id('b'), id('c')), 100, 95, 0.9, 0.1);
    assertThat(plan.evict()).hasSize(1);
    assertThat(plan.stillOverLow()).isTrue();
    assertThatThrownBy(() -> LayerGc.plan(layers, lastUsed, Set.of(), 100, 95, 0.5, 0.6))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
