package dev.layercache.operator.workspace;

import dev.layercache.api.v1alpha1.Layer;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.operator.nodecache.NodeCacheView;
import dev.layercache.operator.support.Nodes;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Picks the node for a workspace without {@code nodeName}: among nodes matching its selector whose
 * agent reports Ready, the one already holding the most bytes of the image's layers; ties go to the
 * node with the fewest workspaces, then to the first name.
 */
public final class WorkspaceScheduler {

  /** A scored node. */
  public record Choice(String node, long heldBytes, long workspaces) {}

  private WorkspaceScheduler() {}

  /**
   * @param workspaces how many workspaces each node has (by node name)
   * @param images the image resolved per platform (key: os/arch); nodes of other platforms are not
   *     eligible
   */
  public static Optional<Choice> choose(
      LabelSelector selector,
      List<Node> nodes,
      Map<String, NodeCache> nodeCaches,
      Map<String, Long> workspaces,
      Map<String, ResolvedImage> images) {
    return nodes.stream()
        .filter(n -> Nodes.matches(selector, n))
        .filter(n -> images.containsKey(Nodes.platform(n)))
        .map(
            n ->
                score(
                    n,
                    nodeCaches.get(n.getMetadata().getName()),
                    workspaces.getOrDefault(n.getMetadata().getName(), 0L),
                    images.get(Nodes.platform(n))))
        .flatMap(Optional::stream)
        .min(
            Comparator.comparingLong(Choice::heldBytes)
                .reversed()
                .thenComparingLong(Choice::workspaces)
                .thenComparing(Choice::node));
  }

  private static Optional<Choice> score(
      Node node, NodeCache nodeCache, long workspaces, ResolvedImage image) {
    if (nodeCache == null || !NodeCacheView.of(nodeCache).isReady()) {
      return Optional.empty();
    }
    NodeCacheView view = NodeCacheView.of(nodeCache);
    long held =
        image.getLayers().stream()
            .filter(l -> view.layerState(l.getDiffID()) == LayerState.Ready)
            .map(Layer::getSize)
            .filter(Objects::nonNull)
            .mapToLong(Long::longValue)
            .sum();
    return Optional.of(new Choice(node.getMetadata().getName(), held, workspaces));
  }
}
