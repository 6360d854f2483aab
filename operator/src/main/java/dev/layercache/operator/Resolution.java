package dev.layercache.operator;

import dev.layercache.api.v1alpha1.ResolvedImage;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of resolving a LayerCache's images: the images to cache (after a failure, the last
 * ones that resolved) and the failure, if the latest attempt failed.
 */
record Resolution(
    List<ResolvedImage> images, String resolvedAt, Optional<ReconcileProblem> failure) {

  Resolution {
    images = List.copyOf(images);
  }

  boolean failed() {
    return failure.isPresent();
  }
}
