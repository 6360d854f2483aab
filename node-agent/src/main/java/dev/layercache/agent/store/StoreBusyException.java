package dev.layercache.agent.store;

import java.io.IOException;

/** Another process holds the store's writer lock. */
public final class StoreBusyException extends IOException {
  public StoreBusyException(String message) {
    super(message);
  }
}
