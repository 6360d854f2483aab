package dev.layercache.kube;

/**
 * A pull or push secret that cannot be used: missing, not readable by this process, or without
 * docker credentials. The reason is one of the {@code PullSecret*} reasons; the message names the
 * secret and what to do.
 */
public final class SecretProblem extends Exception {
  private final String reason;

  public SecretProblem(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
