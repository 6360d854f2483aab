package dev.layercache.operator.layercache;

import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.operator.support.ReconcileProblem;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of resolving a LayerCache's images: the images to cache (after a failure, the last
 * ones that resolved) and the failure, if the latest attempt failed.
 */
public record Resolution(
    List<ResolvedImage> images, String resolvedAt, Optional<ReconcileProblem> failure) {

  public Resolution {
    images = List.copyOf(images);
  }

  public boolean failed() {
    return failure.isPresent();
  }
}
