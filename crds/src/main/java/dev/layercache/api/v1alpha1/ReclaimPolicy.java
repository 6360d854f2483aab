package dev.layercache.api.v1alpha1;

/** What happens to a workspace's upper layer when the workspace is deleted. */
public enum ReclaimPolicy {
  /** The upper layer is removed with the workspace. */
  Delete,
  /** The upper layer is kept on the node after unmount. */
  Retain
}
