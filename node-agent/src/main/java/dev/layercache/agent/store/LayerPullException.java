package dev.layercache.agent.store;

import java.io.IOException;

/** Fetching or unpacking one layer of an image failed; the message names the image and layer. */
public final class LayerPullException extends IOException {
  public LayerPullException(String layer, Throwable cause) {
    super(layer + ": " + cause.getMessage(), cause);
  }
}
