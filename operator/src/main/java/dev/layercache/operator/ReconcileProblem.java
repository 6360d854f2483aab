package dev.layercache.operator;

import dev.layercache.oci.NoMatchingPlatformException;
import dev.layercache.oci.RegistryException;
import java.io.IOException;

/**
 * A problem a reconcile reports as a condition (a CamelCase reason and a message naming the cause)
 * instead of failing: an image that does not resolve, a missing pull secret, no node to run on.
 */
final class ReconcileProblem extends Exception {
  static final String IMAGE_NOT_FOUND = "ImageNotFound";
  static final String UNAUTHORIZED = "Unauthorized";
  static final String REGISTRY_UNAVAILABLE = "RegistryUnavailable";
  static final String NO_MATCHING_PLATFORM = "NoMatchingPlatform";
  static final String PULL_SECRET_INVALID = "PullSecretInvalid";
  static final String NO_ELIGIBLE_NODE = "NoEligibleNode";
  static final String NODE_NOT_FOUND = "NodeNotFound";

  private final String reason;

  ReconcileProblem(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  String reason() {
    return reason;
  }

  /** Names the cause the way a user would look for it: missing, refused, or unreachable. */
  static ReconcileProblem of(String image, String platform, IOException cause) {
    String message = image + " (" + platform + "): " + cause.getMessage();
    if (cause instanceof NoMatchingPlatformException) {
      return new ReconcileProblem(NO_MATCHING_PLATFORM, message);
    }
    if (cause instanceof RegistryException registry) {
      int status = registry.status();
      if (status == 401 || status == 403) {
        return new ReconcileProblem(UNAUTHORIZED, message);
      }
      if (status == 404) {
        return new ReconcileProblem(IMAGE_NOT_FOUND, message);
      }
    }
    return new ReconcileProblem(REGISTRY_UNAVAILABLE, message);
  }
}
