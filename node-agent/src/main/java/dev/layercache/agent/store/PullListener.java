package dev.layercache.agent.store;

/** Hears how a pull goes, layer by layer. Called from the pulling threads. */
public interface PullListener {
  PullListener NONE = new PullListener() {};

  /** A layer starts downloading; {@code totalBytes} is its blob size. */
  default void started(String diffId, long totalBytes) {}

  /** {@code bytesDone} bytes of the layer's blob have been read so far. */
  default void progress(String diffId, long bytesDone) {}

  /** The layer is in the store; {@code cached} when it was there before this pull. */
  default void finished(String diffId, boolean cached) {}
}
