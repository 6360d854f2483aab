package dev.layercache.agent.snapshot;

/** The snapshot labels containerd sends that the snapshotter reads. */
final class Labels {
  private Labels() {}

  /** The chain ID containerd wants a Prepare to end as (its unpacker sets it on every layer). */
  static final String TARGET = "containerd.io/snapshot.ref";

  /**
   * Set by the CRI plugin when {@code disable_snapshot_annotations = false}: the image reference,
   * its manifest and the layer's compressed digest.
   */
  static final String CRI_IMAGE_REF = "containerd.io/snapshot/cri.image-ref";

  static final String CRI_MANIFEST_DIGEST = "containerd.io/snapshot/cri.manifest-digest";
  static final String CRI_LAYER_DIGEST = "containerd.io/snapshot/cri.layer-digest";
}
