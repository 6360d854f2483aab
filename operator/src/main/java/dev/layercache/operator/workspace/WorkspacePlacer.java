package dev.layercache.operator.workspace;

import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.OverlayWorkspaceSpec;
import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.operator.nodecache.WorkspaceEntry;
import dev.layercache.operator.nodecache.WorkspacePlacement;
import dev.layercache.operator.registry.RecentResolutions;
import dev.layercache.operator.support.Nodes;
import dev.layercache.operator.support.ReconcileProblem;
import io.fabric8.kubernetes.api.model.Node;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Decides where a new workspace goes and what it mounts: resolves the image for the candidate
 * nodes' platforms, honours {@code nodeName} or asks {@link WorkspaceScheduler}.
 */
public final class WorkspacePlacer {
  /** What placing reads of the cluster: Nodes, NodeCaches by node, workspaces per node. */
  public record Cluster(
      List<Node> nodes, Map<String, NodeCache> nodeCaches, Map<String, Long> workspaces) {}

  private final RecentResolutions manifests;

  public WorkspacePlacer(RecentResolutions manifests) {
    this.manifests = manifests;
  }

  public WorkspacePlacement place(OverlayWorkspace workspace, Cluster cluster)
      throws ReconcileProblem {
    OverlayWorkspaceSpec spec = workspace.getSpec();
    List<Node> candidates = candidates(spec, cluster.nodes());
    List<ResolvedImage> resolved =
        manifests.resolve(
            "overlayworkspace",
            spec.getImage(),
            candidates.stream().map(Nodes::platform).collect(Collectors.toCollection(TreeSet::new)),
            WorkspaceEntry.pullSecrets(workspace));
    Map<String, ResolvedImage> byPlatform =
        resolved.stream().collect(Collectors.toMap(ResolvedImage::getPlatform, r -> r));
    Node node =
        spec.getNodeName() != null
            ? candidates.get(0)
            : WorkspaceScheduler.choose(
                    spec.getNodeSelector(),
                    candidates,
                    cluster.nodeCaches(),
                    cluster.workspaces(),
                    byPlatform)
                .flatMap(
                    choice -> candidates.stream().filter(n -> named(n, choice.node())).findFirst())
                .orElseThrow(
                    () ->
                        new ReconcileProblem(
                            Reasons.NO_ELIGIBLE_NODE,
                            "none of the "
                                + candidates.size()
                                + " node(s) matching spec.nodeSelector has a Ready NodeCache;"
                                + " the workspace stays Pending until one has"));
    ResolvedImage image = byPlatform.get(Nodes.platform(node));
    return new WorkspacePlacement(
        node.getMetadata().getName(), image.getDigest(), image.getLayers());
  }

  private static List<Node> candidates(OverlayWorkspaceSpec spec, List<Node> nodes)
      throws ReconcileProblem {
    if (spec.getNodeName() != null) {
      return nodes.stream()
          .filter(n -> named(n, spec.getNodeName()))
          .findFirst()
          .map(List::of)
          .orElseThrow(
              () ->
                  new ReconcileProblem(
                      Reasons.NODE_NOT_FOUND,
                      "node " + spec.getNodeName() + " (spec.nodeName) does not exist"));
    }
    List<Node> matching =
        nodes.stream().filter(n -> Nodes.matches(spec.getNodeSelector(), n)).toList();
    if (matching.isEmpty()) {
      throw new ReconcileProblem(Reasons.NO_ELIGIBLE_NODE, "no node matches spec.nodeSelector");
    }
    return matching;
  }

  private static boolean named(Node node, String name) {
    return name.equals(node.getMetadata().getName());
  }
}
