package dev.layercache.operator;

import static dev.layercache.operator.Fixtures.cached;
import static dev.layercache.operator.Fixtures.layerCache;
import static dev.layercache.operator.Fixtures.layerRef;
import static dev.layercache.operator.Fixtures.node;
import static dev.layercache.operator.Fixtures.nodeCache;
import static dev.layercache.operator.Fixtures.workspace;
import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import io.fabric8.kubernetes.api.model.Node;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeCacheSpecBuilderTest {
  private final List<Node> nodes =
      List.of(node("a", "pool", "build"), node("b", "pool", "build"), node("c"));

  @Test
  void pinsALayerCachesLayersOnExactlyTheNodesItsSelectorMatches() {
    CachedImages build = cached(layerCache("build", null, "pool", "build"), 10, 20);

    Map<String, NodeCacheSpec> specs = build(Map.of(), List.of(build), Set.of(), List.of());

    assertThat(specs.keySet()).containsExactly("a", "b", "c");
    assertThat(specs.get("a").getLayers())
        .hasSize(2)
        .allSatisfy(l -> assertThat(l.getPinned()).isTrue());
    assertThat(specs.get("a").getLayers().get(0).getSources())
        .singleElement()
        .satisfies(s -> assertThat(s.getRepository()).isEqualTo("team/build"));
    assertThat(specs.get("c").getLayers()).isEmpty();
    // The agent learns which whole images the layers make up (its records, its savings).
    assertThat(specs.get("a").getImages()).isEqualTo(build.images());
    assertThat(specs.get("c").getImages()).isNull();
  }

  @Test
  void twoLayerCachesSharingALayerPinItOnce() {
    CachedImages one = cached(layerCache("one", null), 10);
    CachedImages two = new CachedImages(layerCache("two", null), one.images());

    Map<String, NodeCacheSpec> specs = build(Map.of(), List.of(one, two), Set.of(), List.of());

    assertThat(specs.get("c").getLayers()).hasSize(1);
  }

  @Test
  void theWaveAdmitsAtMostMaxConcurrentNodesWhilePulling() {
    CachedImages wave = cached(layerCache("wave", 1), 10);
    List<LayerRef> layers = wave.layersFor(nodes.get(0));

    // Nobody holds the layers yet: only the first node (by name) is admitted.
    Map<String, NodeCacheSpec> first = build(Map.of(), List.of(wave), Set.of(), List.of());
    assertThat(pinnedNodes(first)).containsExactly("a");

    // a is still pulling: nobody else is admitted.
    Map<String, NodeCache> pulling = Map.of("a", nodeCache("a", layers, LayerState.Pulling, false));
    assertThat(pinnedNodes(build(pulling, List.of(wave), Set.of(), List.of())))
        .containsExactly("a");

    // a is ready: b is next; a keeps its pins.
    Map<String, NodeCache> aReady = Map.of("a", nodeCache("a", layers, LayerState.Ready, true));
    assertThat(pinnedNodes(build(aReady, List.of(wave), Set.of(), List.of())))
        .containsExactly("a", "b");

    // A failed node does not hold the wave up.
    Map<String, NodeCache> aFailed = Map.of("a", nodeCache("a", layers, LayerState.Failed, false));
    assertThat(pinnedNodes(build(aFailed, List.of(wave), Set.of(), List.of())))
        .containsExactly("a", "b");
  }

  @Test
  void oldPinsStayUntilTheNodeHoldsTheNewLayersThenGo() {
    CachedImages before = cached(layerCache("app", null), 10, 20);
    List<LayerRef> oldLayers = before.layersFor(nodes.get(2));
    CachedImages after =
        new CachedImages(
            before.layerCache(),
            List.of(Fixtures.image("registry.example/team/app:2", "linux/amd64", 30)));
    String newLayer = after.layersFor(nodes.get(2)).get(0).getDiffID();

    NodeCache holdingOld = nodeCache("c", oldLayers, LayerState.Ready, true);
    NodeCacheSpec rolling =
        build(Map.of("c", holdingOld), List.of(after), Set.of(), List.of()).get("c");
    assertThat(diffIds(rolling))
        .containsExactlyInAnyOrder(
            newLayer, oldLayers.get(0).getDiffID(), oldLayers.get(1).getDiffID());

    List<LayerRef> both = rolling.getLayers();
    NodeCache holdingBoth = nodeCache("c", both, LayerState.Ready, true);
    NodeCacheSpec done =
        build(Map.of("c", holdingBoth), List.of(after), Set.of(), List.of()).get("c");
    assertThat(diffIds(done)).containsExactly(newLayer);
  }

  @Test
  void aNodeThatStopsMatchingLosesThePinsOnceItHoldsWhatItStillWants() {
    CachedImages build = cached(layerCache("build", null, "pool", "build"), 10);
    NodeCache pinnedOnA = nodeCache("a", build.layersFor(nodes.get(0)), LayerState.Ready, true);
    List<Node> relabelled = List.of(node("a"), nodes.get(1), nodes.get(2));

    Map<String, NodeCacheSpec> specs =
        NodeCacheSpecBuilder.build(
            new NodeCacheSpecBuilder.ClusterState(
                relabelled, Map.of("a", pinnedOnA), List.of(build), Set.of(), List.of()));

    assertThat(specs.get("a").getLayers()).isEmpty();
  }

  @Test
  void workspacesKeepTheirEntriesWhileAliveWithUnpinnedLowers() {
    LayerRef lower = layerRef(Fixtures.digest('1'), 5);
    WorkspaceRef alive = workspace("alive", List.of(lower.getDiffID()));
    WorkspaceRef gone = workspace("gone", List.of(lower.getDiffID()));
    NodeCache current = nodeCache("c", List.of(lower), LayerState.Ready, true);
    current.getSpec().setWorkspaces(List.of(alive, gone));
    WorkspacePlacement fresh =
        new WorkspacePlacement(
            "b", workspace("fresh", List.of(lower.getDiffID())), List.of(lower), null);

    Map<String, NodeCacheSpec> specs =
        build(Map.of("c", current), List.of(), Set.of("alive"), List.of(fresh));

    assertThat(specs.get("c").getWorkspaces())
        .extracting(WorkspaceRef::getUid)
        .containsExactly("alive");
    assertThat(specs.get("c").getLayers())
        .singleElement()
        .satisfies(l -> assertThat(l.getPinned()).isFalse());
    assertThat(specs.get("b").getWorkspaces())
        .extracting(WorkspaceRef::getUid)
        .containsExactly("fresh");
    assertThat(specs.get("a").getWorkspaces()).isEmpty();
  }

  @Test
  void aLayerWantedByALayerCacheAndAWorkspaceIsPinned() {
    CachedImages all = cached(layerCache("all", null), 10);
    LayerRef shared = all.layersFor(nodes.get(2)).get(0);
    LayerRef unpinned = layerRef(shared.getDiffID(), 10);
    WorkspacePlacement placement =
        new WorkspacePlacement(
            "c", workspace("w", List.of(shared.getDiffID())), List.of(unpinned), null);

    NodeCacheSpec spec = build(Map.of(), List.of(all), Set.of(), List.of(placement)).get("c");

    assertThat(spec.getLayers()).singleElement().satisfies(l -> assertThat(l.getPinned()).isTrue());
  }

  private Map<String, NodeCacheSpec> build(
      Map<String, NodeCache> current,
      List<CachedImages> caches,
      Set<String> live,
      List<WorkspacePlacement> placements) {
    return NodeCacheSpecBuilder.build(
        new NodeCacheSpecBuilder.ClusterState(
            nodes, new HashMap<>(current), caches, live, placements));
  }

  private static List<String> pinnedNodes(Map<String, NodeCacheSpec> specs) {
    return specs.entrySet().stream()
        .filter(e -> !e.getValue().getLayers().isEmpty())
        .map(Map.Entry::getKey)
        .toList();
  }

  private static List<String> diffIds(NodeCacheSpec spec) {
    return spec.getLayers().stream().map(LayerRef::getDiffID).toList();
  }
}
