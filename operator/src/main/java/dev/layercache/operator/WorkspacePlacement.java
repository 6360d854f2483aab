package dev.layercache.operator;

import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import java.util.List;

/**
 * A workspace placed on a node: its entry in that node's NodeCache spec and the layers it mounts.
 *
 * @param imageDigest the manifest the layers came from; null when recovered from a NodeCache spec
 */
record WorkspacePlacement(
    String node, WorkspaceRef workspace, List<LayerRef> layers, String imageDigest) {

  WorkspacePlacement {
    layers = List.copyOf(layers);
  }

  String uid() {
    return workspace.getUid();
  }
}
