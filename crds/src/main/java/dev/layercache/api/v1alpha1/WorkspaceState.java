package dev.layercache.api.v1alpha1;

/** State of one workspace on a node. */
public enum WorkspaceState {
  /** The overlay is mounted. */
  Mounted,
  /** The overlay could not be mounted; see message. */
  Failed,
  /** Unmounted; its upper layer removed or retained as the reclaim policy says. */
  Removed
}
