package dev.layercache.operator.nodecache;

import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.LocalSecretRef;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.kube.LayerSources;
import dev.layercache.kube.Layers;
import dev.layercache.oci.Digest;
import dev.layercache.oci.ImageReference;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a placed workspace asks of its node: its entry in the NodeCache spec and its lower layers
 * (unpinned: a workspace keeps them while it is mounted). Built from the workspace alone: its spec,
 * and the placement its status records.
 */
public record WorkspaceEntry(WorkspaceRef ref, List<LayerRef> layers) {

  public WorkspaceEntry {
    layers = List.copyOf(layers);
  }

  /** The entry of a workspace whose status records a placement; empty before it is placed. */
  public static Optional<WorkspaceEntry> of(OverlayWorkspace workspace) {
    return WorkspacePlacement.recorded(workspace).map(p -> of(workspace, p));
  }

  private static WorkspaceEntry of(OverlayWorkspace workspace, WorkspacePlacement placement) {
    LayerSource source = LayerSources.of(workspace.getSpec().getImage(), pullSecrets(workspace));
    WorkspaceRef ref = new WorkspaceRef();
    ref.setUid(workspace.getMetadata().getUid());
    ref.setNamespace(workspace.getMetadata().getNamespace());
    ref.setName(workspace.getMetadata().getName());
    // Pinned to the manifest mounted: a commit builds on it.
    ref.setImage(
        ImageReference.parse(workspace.getSpec().getImage())
            .withDigest(Digest.parse(placement.imageDigest()))
            .toString());
    ref.setLowers(placement.lowers());
    ref.setUpper(workspace.getSpec().getUpper());
    ref.setMount(workspace.getSpec().getMount());
    ref.setCommit(workspace.getSpec().getCommit());
    return new WorkspaceEntry(
        ref,
        placement.layers().stream().map(l -> Layers.toRef(l, List.of(source), false)).toList());
  }

  /** Its pull secrets, which live in its own namespace. */
  public static List<SecretRef> pullSecrets(OverlayWorkspace workspace) {
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
