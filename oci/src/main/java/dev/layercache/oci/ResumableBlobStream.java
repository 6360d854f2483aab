package dev.layercache.oci;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Optional;

/**
 * A blob download that survives broken connections: it asks again from the byte where it stopped
 * ({@code Range: bytes=N-}) and skips ahead itself when a server ignores Range.
 */
final class ResumableBlobStream extends InputStream {

  /** Opens the blob from {@code offset}; the body may start earlier if Range was ignored. */
  @FunctionalInterface
  interface Opener {
    Body open(long offset) throws IOException;
  }

  /** A response body and the blob offset its first byte has. */
  record Body(InputStream stream, long start) {}

  private final Opener opener;
  private final long size;
  private final RetryPolicy retry;
  private final ProgressListener progress;
  private final String what;
  private InputStream current;
  private long position;

  private ResumableBlobStream(
      Opener opener, long size, RetryPolicy retry, ProgressListener progress, String what)
      throws IOException {
    this.opener = opener;
    this.size = size;
    this.retry = retry;
    this.progress = progress;
    this.what = what;
    this.current = opener.open(0).stream();
  }

  static ResumableBlobStream open(
      Opener opener, long size, RetryPolicy retry, ProgressListener progress, String what)
      throws IOException {
    return new ResumableBlobStream(opener, size, retry, progress, what);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    while (true) {
      IOException broken;
      try {
        int n = current.read(buffer, offset, length);
        if (n > 0) {
          position += n;
          progress.progress(position, size);
          return n;
        }
        if (position >= size) {
          return -1;
        }
        broken = new EOFException("connection closed at byte " + position + " of " + size);
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        broken = e;
      }
      resume(broken);
    }
  }

  private void resume(IOException cause) throws IOException {
    current.close();
    for (int attempt = 1; ; attempt++) {
      if (attempt >= retry.maxAttempts()) {
        throw RegistryException.exhausted(
            "download of " + what + " (resuming at byte " + position + ")",
            attempt,
            RegistryException.describe(cause),
            cause);
      }
      sleep(retry.delay(attempt, Optional.empty()));
      try {
        Body body = opener.open(position);
        if (body.start() > position) {
          body.stream().close();
          throw new IOException(
              "server resumed " + what + " at byte " + body.start() + ", not " + position);
        }
        body.stream().skipNBytes(position - body.start());
        current = body.stream();
        return;
      } catch (RegistryException e) {
        throw e;
      } catch (IOException e) {
        cause = e;
      }
    }
  }

  private static void sleep(java.time.Duration delay) throws InterruptedIOException {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while resuming a download");
    }
  }

  @Override
  public void close() throws IOException {
    current.close();
  }
}
