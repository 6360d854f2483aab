package dev.layercache.api.v1alpha1;

/** Progress of committing an upper layer to a registry. */
public enum CommitState {
  /** The layer is being built or pushed. */
  Pushing,
  /** The image is in the registry. */
  Pushed,
  /** The commit failed; see message. */
  Failed
}
