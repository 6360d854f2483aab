package dev.layercache.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.Failure;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.operator.layercache.LayerCacheEvents;
import dev.layercache.operator.layercache.LayerCacheStatusBuilder;
import dev.layercache.operator.layercache.NodeProgress;
import dev.layercache.operator.layercache.Resolution;
import dev.layercache.operator.nodecache.CachedImages;
import dev.layercache.operator.support.EventRecorder.Notice;
import dev.layercache.operator.support.ReconcileProblem;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Node;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

public class StatusBuildersTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant T1 = Instant.parse("2026-01-01T00:05:00Z");

  @Test
  void anUnchangedObservationKeepsLastTransitionTimeAndYieldsAnEqualStatus() {
    LayerCache layerCache = Fixtures.layerCache("app", null);
    CachedImages cached = Fixtures.cached(layerCache, 10);
    Resolution resolution = new Resolution(cached.images(), T0.toString(), Optional.empty());
    NodeProgress progress = new NodeProgress(2, 1, 1, 0, 0, List.of());

    LayerCacheStatus first = LayerCacheStatusBuilder.build(layerCache, resolution, progress, T0);
    layerCache.setStatus(first);
    LayerCacheStatus second = LayerCacheStatusBuilder.build(layerCache, resolution, progress, T1);

    assertThat(second).isEqualTo(first);
    assertThat(condition(second, LayerCacheStatus.READY).getLastTransitionTime())
        .isEqualTo(T0.toString());
  }

  @Test
  void aFlippedConditionTakesTheNewTransitionTime() {
    LayerCache layerCache = Fixtures.layerCache("app", null);
    Resolution resolution =
        new Resolution(Fixtures.cached(layerCache, 10).images(), T0.toString(), Optional.empty());
    layerCache.setStatus(
        LayerCacheStatusBuilder.build(
            layerCache, resolution, new NodeProgress(1, 0, 1, 0, 0, List.of()), T0));

    LayerCacheStatus ready =
        LayerCacheStatusBuilder.build(
            layerCache, resolution, new NodeProgress(1, 1, 0, 0, 0, List.of()), T1);

    Condition condition = condition(ready, LayerCacheStatus.READY);
    assertThat(condition.getStatus()).isEqualTo("True");
    assertThat(condition.getLastTransitionTime()).isEqualTo(T1.toString());
    assertThat(condition(ready, LayerCacheStatus.RESOLVED).getLastTransitionTime())
        .isEqualTo(T0.toString());
    assertThat(ready.getReadyNodes()).isEqualTo("1/1");
    assertThat(ready.getObservedGeneration()).isEqualTo(1L);
    assertThat(LayerCacheEvents.between(layerCache.getStatus(), ready))
        .extracting(Notice::reason)
        .containsExactly("AllNodesReady");
  }

  @Test
  void aResolveFailureIsDegradedWithTheReasonAndKeepsThePreviousImages() {
    LayerCache layerCache = Fixtures.layerCache("app", null);
    CachedImages cached = Fixtures.cached(layerCache, 10, 20);
    ReconcileProblem problem =
        new ReconcileProblem(Reasons.UNAUTHORIZED, "UNAUTHORIZED: authentication required");
    Resolution failed = new Resolution(cached.images(), T0.toString(), Optional.of(problem));

    LayerCacheStatus status =
        LayerCacheStatusBuilder.build(
            layerCache, failed, new NodeProgress(1, 1, 0, 0, 0, List.of()), T1);

    assertThat(condition(status, LayerCacheStatus.RESOLVED).getReason()).isEqualTo("Unauthorized");
    Condition degraded = condition(status, LayerCacheStatus.DEGRADED);
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getMessage()).isEqualTo("UNAUTHORIZED: authentication required");
    assertThat(status.getResolved()).isEqualTo(cached.images());
    assertThat(status.getTotalBytes()).isEqualTo(30);
    assertThat(status.getSize()).isEqualTo("30");
  }

  @Test
  void failuresAreBoundedAndNewestFirst() {
    List<Node> nodes = new ArrayList<>();
    Map<String, NodeCache> caches = new HashMap<>();
    LayerCache layerCache = Fixtures.layerCache("app", null);
    CachedImages cached = Fixtures.cached(layerCache, 10);
    IntStream.range(0, 30)
        .forEach(
            i -> {
              String name = String.format("n%02d", i);
              nodes.add(Fixtures.node(name));
              List<LayerRef> layers = cached.layersFor(nodes.get(i));
              caches.put(name, Fixtures.nodeCache(name, layers, LayerState.Failed, false));
            });
    Failure old = new Failure();
    old.setNode("n29");
    old.setDigest(cached.images().get(0).getLayers().get(0).getDiffID());
    old.setReason(Reasons.LAYER_FAILED);
    old.setMessage("boom");

    NodeProgress progress = NodeProgress.of(cached, nodes, caches, List.of(old));

    assertThat(progress.failed()).isEqualTo(30);
    assertThat(progress.failures()).hasSize(LayerCacheStatus.MAX_FAILURES);
    assertThat(progress.failures().get(0).getNode()).isEqualTo("n00");
    assertThat(progress.failures()).doesNotContain(old);
  }

  @Test
  void progressCountsReadyPullingFailedAndWaitingNodes() {
    LayerCache layerCache = Fixtures.layerCache("app", null);
    CachedImages cached = Fixtures.cached(layerCache, 10);
    List<Node> nodes =
        List.of(Fixtures.node("a"), Fixtures.node("b"), Fixtures.node("c"), Fixtures.node("d"));
    List<LayerRef> layers = cached.layersFor(nodes.get(0));
    Map<String, NodeCache> caches =
        Map.of(
            "a", Fixtures.nodeCache("a", layers, LayerState.Ready, true),
            "b", Fixtures.nodeCache("b", layers, LayerState.Pulling, false),
            "c", Fixtures.nodeCache("c", layers, LayerState.Failed, false));

    NodeProgress progress = NodeProgress.of(cached, nodes, caches, List.of());

    assertThat(progress)
        .extracting(
            NodeProgress::targeted,
            NodeProgress::ready,
            NodeProgress::pulling,
            NodeProgress::failed,
            NodeProgress::waiting)
        .containsExactly(4, 1, 1, 1, 1);
  }

  private static Condition condition(LayerCacheStatus status, String type) {
    return Conditions.find(status.getConditions(), type).orElseThrow();
  }
}
