package dev.layercache.agent.cluster;

import dev.layercache.agent.store.DiskPressureException;
import dev.layercache.agent.unpack.DiffIdMismatchException;
import dev.layercache.agent.unpack.UnpackException;
import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.kube.FailureReasons;
import java.io.IOException;

/**
 * Names why a layer failed, in the one word a LayerStatus reason holds: the node's own failures
 * here, registry failures as {@link FailureReasons} names them for the operator too.
 */
final class FailureReason {
  private FailureReason() {}

  static String of(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof DiskPressureException) {
        return Reasons.DISK_PRESSURE;
      }
      if (t instanceof DiffIdMismatchException) {
        return Reasons.DIGEST_MISMATCH;
      }
      if (t instanceof UnpackException) {
        return Reasons.BAD_LAYER;
      }
    }
    return FailureReasons.ofRegistry(failure)
        .orElse(
            failure instanceof IOException ? Reasons.REGISTRY_UNAVAILABLE : Reasons.PULL_FAILED);
  }
}
