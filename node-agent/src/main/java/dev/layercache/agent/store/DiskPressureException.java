package dev.layercache.agent.store;

import java.io.IOException;

/** A pull would fill the store's filesystem past its high watermark. */
public final class DiskPressureException extends IOException {
  public DiskPressureException(String message) {
    super(message);
  }
}
