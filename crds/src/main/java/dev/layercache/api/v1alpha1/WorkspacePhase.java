package dev.layercache.api.v1alpha1;

/** Where an OverlayWorkspace is in its life. */
public enum WorkspacePhase {
  /** Accepted, not yet scheduled to a node. */
  Pending,
  /** Scheduled; the node is fetching the image's layers. */
  Pulling,
  /** Mounted; the merged path is usable. */
  Ready,
  /** The upper layer is being pushed as a new image. */
  Committing,
  /** Cannot make progress; see conditions. */
  Failed,
  /** Being unmounted and cleaned up. */
  Terminating
}
