package dev.layercache.kube;

import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.oci.RegistryFailure;
import java.util.Optional;

/** Names a registry failure (as oci classifies it) with the reason the API gives it. */
public final class FailureReasons {
  private FailureReasons() {}

  public static String of(RegistryFailure failure) {
    return switch (failure) {
      case NOT_FOUND -> Reasons.IMAGE_NOT_FOUND;
      case UNAUTHORIZED -> Reasons.UNAUTHORIZED;
      case UNAVAILABLE -> Reasons.REGISTRY_UNAVAILABLE;
      case NO_MATCHING_PLATFORM -> Reasons.NO_MATCHING_PLATFORM;
      case DIGEST_MISMATCH -> Reasons.DIGEST_MISMATCH;
    };
  }

  /** The reason of the registry failure in {@code failure}'s causes, if it has one. */
  public static Optional<String> ofRegistry(Throwable failure) {
    return RegistryFailure.of(failure).map(FailureReasons::of);
  }
}
