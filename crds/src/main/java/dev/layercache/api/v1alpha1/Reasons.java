package dev.layercache.api.v1alpha1;

/**
 * The reasons conditions and failures carry (CamelCase, as Kubernetes conventions ask). They are
 * API: users match on them, so each is named once, here.
 */
public final class Reasons {
  // Registries, as oci's RegistryFailure classifies them.
  public static final String IMAGE_NOT_FOUND = "ImageNotFound";
  public static final String UNAUTHORIZED = "Unauthorized";
  public static final String REGISTRY_UNAVAILABLE = "RegistryUnavailable";
  public static final String NO_MATCHING_PLATFORM = "NoMatchingPlatform";
  public static final String DIGEST_MISMATCH = "DigestMismatch";

  // Pull and push secrets.
  public static final String PULL_SECRET_NOT_FOUND = "PullSecretNotFound";
  public static final String PULL_SECRET_FORBIDDEN = "PullSecretForbidden";
  public static final String PULL_SECRET_INVALID = "PullSecretInvalid";

  // A node's layers.
  public static final String DISK_PRESSURE = "DiskPressure";
  public static final String BAD_LAYER = "BadLayer";
  public static final String PULL_FAILED = "PullFailed";
  public static final String LAYER_FAILED = "LayerFailed";

  /** The container runtime refused or failed a CRI pull of a warm image. */
  public static final String CRI_PULL_FAILED = "CriPullFailed";

  // Specs and scheduling.
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String NO_ELIGIBLE_NODE = "NoEligibleNode";
  public static final String NODE_NOT_FOUND = "NodeNotFound";
  public static final String NODE_GONE = "NodeGone";

  /** Deleting a workspace waits: pods still see it through their CSI volumes. */
  public static final String IN_USE_BY_PODS = "InUseByPods";

  /** A reconcile failed in a way no other reason names; the message carries the cause. */
  public static final String RECONCILE_ERROR = "ReconcileError";

  private Reasons() {}
}
