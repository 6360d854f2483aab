package dev.layercache.operator;

import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.LocalSecretRef;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.OverlayWorkspaceSpec;
import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.oci.Digest;
import dev.layercache.oci.ImageReference;
import io.fabric8.kubernetes.api.model.Node;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Decides where a new workspace goes and what its NodeCache entry says: resolves the image for the
 * candidate nodes' platforms, honours {@code nodeName} or asks {@link WorkspaceScheduler}.
 */
final class WorkspacePlacer {
  private final ClusterCache cache;
  private final ManifestResolver manifests;

  WorkspacePlacer(ClusterCache cache, ManifestResolver manifests) {
    this.cache = cache;
    this.manifests = manifests;
  }

  WorkspacePlacement place(OverlayWorkspace workspace) throws ReconcileProblem {
    OverlayWorkspaceSpec spec = workspace.getSpec();
    List<Node> candidates = candidates(spec);
    List<SecretRef> pullSecrets = pullSecrets(workspace);
    List<ResolvedImage> resolved =
        manifests.resolve(
            "overlayworkspace",
            List.of(spec.getImage()),
            candidates.stream().map(Nodes::platform).collect(Collectors.toCollection(TreeSet::new)),
            pullSecrets);
    Map<String, ResolvedImage> byPlatform =
        resolved.stream().collect(Collectors.toMap(ResolvedImage::getPlatform, r -> r));
    String node =
        spec.getNodeName() != null
            ? spec.getNodeName()
            : WorkspaceScheduler.choose(
                    spec.getNodeSelector(), candidates, nodeCaches(), byPlatform)
                .map(WorkspaceScheduler.Choice::node)
                .orElseThrow(
                    () ->
                        new ReconcileProblem(
                            Reasons.NO_ELIGIBLE_NODE,
                            "none of the "
                                + candidates.size()
                                + " node(s) matching spec.nodeSelector has a Ready NodeCache;"
                                + " the workspace stays Pending until one has"));
    ResolvedImage image = byPlatform.get(Nodes.platform(cache.node(node).orElseThrow()));
    List<LayerRef> layers = layers(image, spec.getImage(), pullSecrets);
    return new WorkspacePlacement(
        node, entry(workspace, layers, image.getDigest()), layers, image.getDigest());
  }

  private List<Node> candidates(OverlayWorkspaceSpec spec) throws ReconcileProblem {
    if (spec.getNodeName() != null) {
      return List.of(
          cache
              .node(spec.getNodeName())
              .orElseThrow(
                  () ->
                      new ReconcileProblem(
                          Reasons.NODE_NOT_FOUND,
                          "node " + spec.getNodeName() + " (spec.nodeName) does not exist")));
    }
    List<Node> matching =
        cache.nodes().stream().filter(n -> Nodes.matches(spec.getNodeSelector(), n)).toList();
    if (matching.isEmpty()) {
      throw new ReconcileProblem(Reasons.NO_ELIGIBLE_NODE, "no node matches spec.nodeSelector");
    }
    return matching;
  }

  private Map<String, NodeCache> nodeCaches() {
    return cache.nodeCaches().stream()
        .collect(Collectors.toMap(nc -> nc.getMetadata().getName(), nc -> nc));
  }

  /**
   * The node's instructions; the image is pinned to the manifest mounted (a commit builds on it).
   */
  private static WorkspaceRef entry(
      OverlayWorkspace workspace, List<LayerRef> layers, String manifestDigest) {
    WorkspaceRef ref = new WorkspaceRef();
    ref.setUid(workspace.getMetadata().getUid());
    ref.setNamespace(workspace.getMetadata().getNamespace());
    ref.setName(workspace.getMetadata().getName());
    ref.setImage(
        ImageReference.parse(workspace.getSpec().getImage())
            .withDigest(Digest.parse(manifestDigest))
            .toString());
    ref.setLowers(layers.stream().map(LayerRef::getDiffID).toList());
    ref.setUpper(workspace.getSpec().getUpper());
    ref.setMount(workspace.getSpec().getMount());
    ref.setCommit(workspace.getSpec().getCommit());
    return ref;
  }

  /** The image's layers, base first, unpinned: a workspace keeps them while it is mounted. */
  private static List<LayerRef> layers(
      ResolvedImage image, String reference, List<SecretRef> secrets) {
    ImageReference ref = ImageReference.parse(reference);
    LayerSource source = new LayerSource();
    source.setRegistry(ref.registry());
    source.setRepository(ref.repository());
    source.setPullSecrets(secrets.isEmpty() ? null : secrets);
    return image.getLayers().stream()
        .map(
            l -> {
              LayerRef layer = new LayerRef();
              layer.setDigest(l.getDigest());
              layer.setDiffID(l.getDiffID());
              layer.setSize(l.getSize());
              layer.setMediaType(l.getMediaType());
              layer.setSources(List.of(source));
              layer.setPinned(false);
              return layer;
            })
        .toList();
  }

  private static List<SecretRef> pullSecrets(OverlayWorkspace workspace) {
    List<LocalSecretRef> local =
        Objects.requireNonNullElse(workspace.getSpec().getPullSecrets(), List.of());
    return local.stream()
        .map(
            l -> {
              SecretRef ref = new SecretRef();
              ref.setName(l.getName());
              ref.setNamespace(workspace.getMetadata().getNamespace());
              return ref;
            })
        .toList();
  }
}
