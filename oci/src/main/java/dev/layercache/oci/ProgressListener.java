package dev.layercache.oci;

/** Told how many bytes of a blob have arrived so far; must be cheap and must not throw. */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = (done, total) -> {};

  void progress(long bytesDone, long bytesTotal);
}
