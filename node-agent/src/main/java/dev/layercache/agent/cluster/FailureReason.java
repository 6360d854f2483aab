package dev.layercache.agent.cluster;

import dev.layercache.agent.store.DiskPressureException;
import dev.layercache.agent.unpack.DiffIdMismatchException;
import dev.layercache.agent.unpack.UnpackException;
import dev.layercache.oci.DigestMismatchException;
import dev.layercache.oci.RegistryException;
import java.io.IOException;

/** Names why a layer failed, in the one word a LayerStatus reason holds. */
final class FailureReason {
  private FailureReason() {}

  static String of(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof DiskPressureException) {
        return "DiskPressure";
      }
      if (t instanceof DigestMismatchException || t instanceof DiffIdMismatchException) {
        return "DigestMismatch";
      }
      if (t instanceof UnpackException) {
        return "BadLayer";
      }
      if (t instanceof RegistryException registry) {
        int status = registry.status();
        if (status == 404) {
          return "NotFound";
        }
        if (status == 401 || status == 403) {
          return "Unauthorized";
        }
        return "RegistryUnavailable";
      }
    }
    return failure instanceof IOException ? "RegistryUnavailable" : "PullFailed";
  }
}
