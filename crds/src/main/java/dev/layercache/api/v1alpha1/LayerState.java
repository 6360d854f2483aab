package dev.layercache.api.v1alpha1;

/** Progress of one layer on a node. */
public enum LayerState {
  /** Wanted, not started. */
  Pending,
  /** Downloading or unpacking. */
  Pulling,
  /** Verified and unpacked in the node's store. */
  Ready,
  /** Could not be fetched or unpacked; see message. */
  Failed
}
