package dev.layercache.operator.workspace;

import static dev.layercache.operator.Fixtures.node;
import static dev.layercache.operator.Fixtures.nodeCache;
import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.operator.Fixtures;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

public class WorkspaceSchedulerTest {
  private final ResolvedImage image =
      Fixtures.image("registry.example/team/ws:1", "linux/amd64", 100, 10);
  private final List<LayerRef> base =
      List.of(Fixtures.layerRef(image.getLayers().get(0).getDiffID(), 100));
  private final List<LayerRef> top =
      List.of(Fixtures.layerRef(image.getLayers().get(1).getDiffID(), 10));
  private final List<Node> nodes =
      List.of(node("a", "pool", "x"), node("b", "pool", "x"), node("c", "pool", "y"));

  @Test
  void prefersTheNodeHoldingTheMostBytesOfTheImage() {
    Map<String, NodeCache> caches =
        Map.of(
            "a", nodeCache("a", top, LayerState.Ready, true),
            "b", nodeCache("b", base, LayerState.Ready, true),
            "c", nodeCache("c", List.of(), LayerState.Ready, true));

    assertThat(choose(null, caches)).isEqualTo("b");
  }

  @Test
  void layersStillPullingDoNotCount() {
    Map<String, NodeCache> caches =
        Map.of(
            "a", nodeCache("a", top, LayerState.Ready, true),
            "b", nodeCache("b", base, LayerState.Pulling, true));

    assertThat(choose(null, caches)).isEqualTo("a");
  }

  @Test
  void tiesGoToTheNodeWithFewestWorkspaces() {
    Map<String, NodeCache> caches =
        Map.of(
            "a", nodeCache("a", base, LayerState.Ready, true),
            "b", nodeCache("b", base, LayerState.Ready, true));

    assertThat(choose(null, caches, Map.of("a", 1L))).isEqualTo("b");
    assertThat(choose(null, caches, Map.of("a", 1L, "b", 2L))).isEqualTo("a");
  }

  @Test
  void onlyNodesMatchingTheSelectorWithAReadyAgentAreEligible() {
    Map<String, NodeCache> caches =
        Map.of(
            "a", nodeCache("a", base, LayerState.Ready, false),
            "b", nodeCache("b", List.of(), LayerState.Ready, true),
            "c", nodeCache("c", base, LayerState.Ready, true));

    assertThat(choose("x", caches)).isEqualTo("b");
    assertThat(
            WorkspaceScheduler.choose(
                selector("x"), nodes, Map.of(), Map.of(), Map.of("linux/amd64", image)))
        .isEmpty();
  }

  @Test
  void nodesOfAnotherPlatformAreNotEligible() {
    Map<String, NodeCache> caches = Map.of("a", nodeCache("a", base, LayerState.Ready, true));

    assertThat(
            WorkspaceScheduler.choose(null, nodes, caches, Map.of(), Map.of("linux/arm64", image)))
        .isEmpty();
  }

  private String choose(String pool, Map<String, NodeCache> caches) {
    return choose(pool, caches, Map.of());
  }

  private String choose(String pool, Map<String, NodeCache> caches, Map<String, Long> workspaces) {
    return WorkspaceScheduler.choose(
            pool == null ? null : selector(pool),
            nodes,
            caches,
            workspaces,
            Map.of("linux/amd64", image))
        .orElseThrow()
        .node();
  }

  private static io.fabric8.kubernetes.api.model.LabelSelector selector(String pool) {
    return new LabelSelectorBuilder().addToMatchLabels("pool", pool).build();
  }
}
