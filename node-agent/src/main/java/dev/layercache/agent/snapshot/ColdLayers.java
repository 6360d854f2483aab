package dev.layercache.agent.snapshot;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/** Brings a layer the store lacks into it, when a Prepare's labels say where it comes from. */
public interface ColdLayers {
  /**
   * Fetches into the store the layer that turns {@code parentChainId} into {@code chainId} and
   * returns its diffID; empty when the labels name no source or the source's layer has another
   * chain ID (then containerd unpacks the layer itself).
   */
  Optional<String> fetch(String chainId, String parentChainId, Map<String, String> labels)
      throws IOException;

  /** No source of layers: what is not in the store is unpacked by containerd. */
  ColdLayers NONE = (chainId, parentChainId, labels) -> Optional.empty();
}
