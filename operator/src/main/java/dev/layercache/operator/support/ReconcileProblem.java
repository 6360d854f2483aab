package dev.layercache.operator.support;

import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.kube.FailureReasons;
import dev.layercache.kube.SecretProblem;
import java.io.IOException;

/**
 * A problem a reconcile reports as a condition (a reason from {@link Reasons} and a message naming
 * the cause) instead of failing: an image that does not resolve, an unusable pull secret, no node
 * to run on.
 */
public final class ReconcileProblem extends Exception {
  private final String reason;

  public ReconcileProblem(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }

  /** A registry failure resolving {@code image} for {@code platform}. */
  public static ReconcileProblem of(String image, String platform, IOException cause) {
    return new ReconcileProblem(
        FailureReasons.ofRegistry(cause).orElse(Reasons.REGISTRY_UNAVAILABLE),
        image + " (" + platform + "): " + cause.getMessage());
  }

  /**
   * What a user reads of an exception no other path handled: its root cause's message (JOSDK wraps
   * what a reconcile throws), else that cause's type.
   */
  public static String describe(Exception e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }

  public static ReconcileProblem of(SecretProblem problem) {
    return new ReconcileProblem(problem.reason(), problem.getMessage());
  }
}
