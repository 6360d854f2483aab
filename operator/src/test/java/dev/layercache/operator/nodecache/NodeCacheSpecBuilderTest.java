package dev.layercache.operator.nodecache;

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
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.kube.Layers;
import dev.layercache.operator.Fixtures;
import io.fabric8.kubernetes.api.model.Node;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

public class NodeCacheSpecBuilderTest {
  private final List<Node> nodes =
      List.of(node("a", "pool", "build"), node("b", "pool", "build"), node("c"));

  @Test
  void pinsALayerCachesLayersOnExactlyTheNodesItsSelectorMatches() {
    CachedImages build = cached(layerCache("build", null, "pool", "build"), 10, 20);

    Map<String, NodeCacheSpec> specs = build(Map.of(), List.of(build), List.of());

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

    Map<String, NodeCacheSpec> specs = build(Map.of(), List.of(one, two), List.of());

    assertThat(specs.get("c").getLayers()).hasSize(1);
  }

  @Test
  void theWaveAdmitsAtMostMaxConcurrentNodesWhilePulling() {
    CachedImages wave = cached(layerCache("wave", 1), 10);
    List<LayerRef> layers = wave.layersFor(nodes.get(0));

    // Nobody holds the layers yet: only the first node (by name) is admitted.
    Map<String, NodeCacheSpec> first = build(Map.of(), List.of(wave), List.of());
    assertThat(pinnedNodes(first)).containsExactly("a");

    // a is still pulling: nobody else is admitted.
    Map<String, NodeCache> pulling = Map.of("a", nodeCache("a", layers, LayerState.Pulling, false));
    assertThat(pinnedNodes(build(pulling, List.of(wave), List.of()))).containsExactly("a");

    // a is ready: b is next; a keeps its pins.
    Map<String, NodeCache> aReady = Map.of("a", nodeCache("a", layers, LayerState.Ready, true));
    assertThat(pinnedNodes(build(aReady, List.of(wave), List.of()))).containsExactly("a", "b");

    // A failed node does not hold the wave up.
    Map<String, NodeCache> aFailed = Map.of("a", nodeCache("a", layers, LayerState.Failed, false));
    assertThat(pinnedNodes(build(aFailed, List.of(wave), List.of()))).containsExactly("a", "b");
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
    NodeCacheSpec rolling = build(Map.of("c", holdingOld), List.of(after), List.of()).get("c");
    assertThat(diffIds(rolling))
        .containsExactlyInAnyOrder(
            newLayer, oldLayers.get(0).getDiffID(), oldLayers.get(1).getDiffID());

    List<LayerRef> both = rolling.getLayers();
    NodeCache holdingBoth = nodeCache("c", both, LayerState.Ready, true);
    NodeCacheSpec done = build(Map.of("c", holdingBoth), List.of(after), List.of()).get("c");
    assertThat(diffIds(done)).containsExactly(newLayer);
  }

  @Test
  void aNodeThatStopsMatchingLosesThePinsOnceItHoldsWhatItStillWants() {
    CachedImages build = cached(layerCache("build", null, "pool", "build"), 10);
    NodeCache pinnedOnA = nodeCache("a", build.layersFor(nodes.get(0)), LayerState.Ready, true);
    List<Node> relabelled = List.of(node("a"), nodes.get(1), nodes.get(2));

    Map<String, NodeCacheSpec> specs =
        build(relabelled, Map.of("a", pinnedOnA), List.of(build), List.of());

    assertThat(specs.get("a").getLayers()).isEmpty();
  }

  @Test
  void workspacesKeepTheirEntriesWhileAliveWithUnpinnedLowers() {
    LayerRef lower = layerRef(Fixtures.digest('1'), 5);
    // Placed by an operator that recorded the placement only in the spec: the entry stays.
    OverlayWorkspace alive = Fixtures.overlayWorkspace("alive", "c");
    NodeCache current = nodeCache("c", List.of(lower), LayerState.Ready, true);
    current
        .getSpec()
        .setWorkspaces(
            List.of(
                workspace("alive", List.of(lower.getDiffID())),
                workspace("gone", List.of(lower.getDiffID()))));
    OverlayWorkspace fresh = Fixtures.overlayWorkspace("fresh", "b", Layers.toApi(lower));
    OverlayWorkspace leaving = Fixtures.overlayWorkspace("leaving", "b", Layers.toApi(lower));
    leaving.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");

    Map<String, NodeCacheSpec> specs =
        build(Map.of("c", current), List.of(), List.of(alive, fresh, leaving));

    assertThat(specs.get("c").getWorkspaces())
        .extracting(WorkspaceRef::getUid)
        .containsExactly("alive");
    assertThat(specs.get("c").getLayers())
        .singleElement()
        .satisfies(l -> assertThat(l.getPinned()).isFalse());
    WorkspaceRef entry = specs.get("b").getWorkspaces().get(0);
    assertThat(specs.get("b").getWorkspaces()).hasSize(1);
    assertThat(entry.getUid()).isEqualTo("fresh");
    assertThat(entry.getLowers()).containsExactly(lower.getDiffID());
    assertThat(entry.getImage()).isEqualTo("registry.example/team/ws:1@" + Fixtures.digest('9'));
    assertThat(specs.get("b").getLayers())
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.getPinned()).isFalse();
              assertThat(l.getSources())
                  .singleElement()
                  .satisfies(src -> assertThat(src.getRepository()).isEqualTo("team/ws"));
            });
    assertThat(specs.get("a").getWorkspaces()).isEmpty();
  }

  @Test
  void aLayerWantedByALayerCacheAndAWorkspaceIsPinned() {
    CachedImages all = cached(layerCache("all", null), 10);
    LayerRef shared = all.layersFor(nodes.get(2)).get(0);
    OverlayWorkspace workspace = Fixtures.overlayWorkspace("w", "c", Layers.toApi(shared));

    NodeCacheSpec spec = build(Map.of(), List.of(all), List.of(workspace)).get("c");

    assertThat(spec.getLayers()).singleElement().satisfies(l -> assertThat(l.getPinned()).isTrue());
  }

  /** Every node's spec, each built on its own as NodeCacheReconciler builds them. */
  private Map<String, NodeCacheSpec> build(
      Map<String, NodeCache> current,
      List<CachedImages> caches,
      List<OverlayWorkspace> workspaces) {
    return build(nodes, current, caches, workspaces);
  }

  private static Map<String, NodeCacheSpec> build(
      List<Node> nodes,
      Map<String, NodeCache> current,
      List<CachedImages> caches,
      List<OverlayWorkspace> workspaces) {
    Map<String, NodeCacheSpec> specs = new TreeMap<>();
    for (Node node : nodes) {
      String name = node.getMetadata().getName();
      specs.put(
          name,
          NodeCacheSpecBuilder.build(
              new NodeCacheSpecBuilder.Inputs(
                  name,
                  nodes,
                  n -> Optional.ofNullable(current.get(n)),
                  caches,
                  workspaces.stream()
                      .filter(w -> name.equals(w.getStatus().getNodeName()))
                      .toList())));
    }
    return specs;
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
