package dev.layercache.operator;

import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.oci.ImageReference;
import java.util.List;

/**
 * A workspace placed on a node: its entry in that node's NodeCache spec and the layers it mounts.
 *
 * @param imageDigest the manifest the layers came from
 */
record WorkspacePlacement(
    String node, WorkspaceRef workspace, List<LayerRef> layers, String imageDigest) {

  WorkspacePlacement {
    layers = List.copyOf(layers);
  }

  /** A placement read back from a NodeCache spec, whose entry pins the image to its manifest. */
  static WorkspacePlacement recovered(String node, WorkspaceRef workspace, List<LayerRef> layers) {
    return new WorkspacePlacement(node, workspace, layers, pinnedDigest(workspace.getImage()));
  }

  String uid() {
    return workspace.getUid();
  }

  private static String pinnedDigest(String image) {
    try {
      return image == null
          ? null
          : ImageReference.parse(image).digest().map(Object::toString).orElse(null);
    } catch (IllegalArgumentException notAReference) {
      return null;
    }
  }
}
