package dev.layercache.agent.cluster;

import dev.layercache.agent.store.ImageRecord;
import dev.layercache.api.v1alpha1.Layer;

/** The one mapping from a layer as the API names it to the store's record of it. */
final class StoreRecords {
  private StoreRecords() {}

  /** An unknown size counts as 0 bytes, as the store's records count sizes. */
  static ImageRecord.Layer layer(Layer layer) {
    return new ImageRecord.Layer(
        layer.getDiffID(),
        layer.getDigest(),
        layer.getMediaType(),
        layer.getSize() == null ? 0 : layer.getSize());
  }
}
