package dev.layercache.oci;

import java.util.Optional;

/**
 * What kind of registry failure an exception is, as a user would look for it: missing, refused,
 * unreachable, no image for the platform, or content that does not match its digest. The one place
 * that reads status codes and exception types; the API's reason names live in the crds module.
 */
public enum RegistryFailure {
  NOT_FOUND,
  UNAUTHORIZED,
  UNAVAILABLE,
  NO_MATCHING_PLATFORM,
  DIGEST_MISMATCH;

  /**
   * The kind of the first registry failure in {@code failure}'s cause chain; empty when there is
   * none (another I/O problem, or a bug).
   */
  public static Optional<RegistryFailure> of(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof NoMatchingPlatformException) {
        return Optional.of(NO_MATCHING_PLATFORM);
      }
      if (t instanceof DigestMismatchException) {
        return Optional.of(DIGEST_MISMATCH);
      }
      if (t instanceof RegistryException registry) {
        return Optional.of(
            switch (registry.status()) {
              case 404 -> NOT_FOUND;
              case 401, 403 -> UNAUTHORIZED;
              default -> UNAVAILABLE;
            });
      }
    }
    return Optional.empty();
  }
}
