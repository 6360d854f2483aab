package dev.layercache.operator.nodecache;

import dev.layercache.api.v1alpha1.Layer;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.OverlayWorkspaceStatus;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.kube.Layers;
import dev.layercache.oci.ImageReference;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Where a workspace is placed and what it mounts: the node, the manifest, and that manifest's
 * layers base first. Decided once and recorded in the workspace's status, from which the node's
 * instructions are built.
 */
public record WorkspacePlacement(String node, String imageDigest, List<Layer> layers) {

  public WorkspacePlacement {
    layers = List.copyOf(layers);
  }

  /** The placement the workspace's status records, if it records one. */
  public static Optional<WorkspacePlacement> recorded(OverlayWorkspace workspace) {
    OverlayWorkspaceStatus status = workspace.getStatus();
    if (status == null
        || status.getNodeName() == null
        || status.getImageDigest() == null
        || status.getLayers() == null) {
      return Optional.empty();
    }
    return Optional.of(
        new WorkspacePlacement(status.getNodeName(), status.getImageDigest(), status.getLayers()));
  }

  /**
   * A placement an earlier operator kept only as the entry in the node's spec (its status named the
   * node, not the layers).
   */
  public static Optional<WorkspacePlacement> fromSpec(NodeCache nodeCache, String uid) {
    NodeCacheView view = NodeCacheView.of(nodeCache);
    Map<String, LayerRef> known =
        view.specLayers().stream()
            .collect(Collectors.toMap(LayerRef::getDiffID, Function.identity(), (a, b) -> a));
    return view.specWorkspaces().stream()
        .filter(ref -> uid.equals(ref.getUid()))
        .findFirst()
        .flatMap(
            ref ->
                pinnedDigest(ref)
                    .map(
                        digest ->
                            new WorkspacePlacement(
                                view.name(),
                                digest,
                                ref.getLowers().stream()
                                    .map(known::get)
                                    .filter(Objects::nonNull)
                                    .map(Layers::toApi)
                                    .toList())));
  }

  public List<String> lowers() {
    return layers.stream().map(Layer::getDiffID).toList();
  }

  private static Optional<String> pinnedDigest(WorkspaceRef ref) {
    try {
      return ref.getImage() == null
          ? Optional.empty()
          : ImageReference.parse(ref.getImage()).digest().map(Object::toString);
    } catch (IllegalArgumentException notAReference) {
      return Optional.empty();
    }
  }
}
