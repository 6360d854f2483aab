package dev.layercache.agent.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads its source on a thread of its own, a few chunks ahead of the reader. A layer's download,
 * decompression and hashing then run on one core while the tar is written to disk on another; on
 * one thread the two would take turns.
 */
final class ReadAheadInputStream extends InputStream {
  private static final byte[] END = new byte[0];
  private static final long STOP_WAIT_MILLIS = 5_000;

  private final BlockingQueue<byte[]> chunks;
  private final Thread reader;
  private volatile IOException failure;
  private boolean finished; // guarded by this
  private boolean abandoned; // guarded by this
  private byte[] current = new byte[0];
  private int position;
  private boolean ended;

  ReadAheadInputStream(InputStream source, String name, int chunkSize, int chunksAhead) {
    this.chunks = new ArrayBlockingQueue<>(chunksAhead);
    this.reader = new Thread(() -> pump(source, chunkSize), name);
    reader.setDaemon(true);
    reader.start();
  }

  private void pump(InputStream source, int chunkSize) {
    try {
      while (true) {
        byte[] chunk = new byte[chunkSize];
        int filled = 0;
        for (int n;
            filled < chunkSize && (n = source.read(chunk, filled, chunkSize - filled)) > 0; ) {
          filled += n;
        }
        if (filled == 0) {
          break;
        }
        chunks.put(filled == chunkSize ? chunk : Arrays.copyOf(chunk, filled));
      }
      chunks.put(END);
    } catch (IOException e) {
      failure = e;
      putEnd();
    } catch (RuntimeException e) {
      failure = new IOException(e.getMessage(), e);
      putEnd();
    } catch (InterruptedException stopped) {
      // stop() was called: nobody reads any more
    } finally {
      synchronized (this) {
        finished = true;
        if (abandoned) {
          closeQuietly(source);
        }
      }
    }
  }

  private void putEnd() {
    try {
      chunks.put(END);
    } catch (InterruptedException stopped) {
      // nobody reads any more
    }
  }

  /**
   * Stops the reading thread and waits for it a little. Returns true when it has finished, so the
   * caller may use and close the source; otherwise the thread closes the source when it ends.
   */
  boolean stop() {
    reader.interrupt();
    chunks.clear();
    try {
      reader.join(STOP_WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      abandoned = !finished;
      return finished;
    }
  }

  private static void closeQuietly(InputStream source) {
    try {
      source.close();
    } catch (IOException ignored) {
      // nothing is waiting for this stream any more
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    if (position == current.length && !advance()) {
      return -1;
    }
    int n = Math.min(length, current.length - position);
    System.arraycopy(current, position, buffer, offset, n);
    position += n;
    return n;
  }

  private boolean advance() throws IOException {
    if (ended) {
      return false;
    }
    try {
      current = chunks.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading ahead");
    }
    position = 0;
    if (current == END) {
      ended = true;
      current = new byte[0];
      if (failure != null) {
        throw failure;
      }
      return false;
    }
    return true;
  }

  /** Stops reading ahead; the source is not closed here (see {@link #stop()}). */
  @Override
  public void close() {
    stop();
  }
}
