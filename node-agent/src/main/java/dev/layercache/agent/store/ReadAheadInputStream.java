package dev.layercache.agent.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads its source on a thread of its own, a few chunks ahead of the reader. A layer's download,
 * decompression and hashing then run on one core while the tar is written to disk on another; on
 * one thread the two would take turns. Chunks are recycled, so a layer of any size costs a few
 * buffers, not its size in garbage.
 */
final class ReadAheadInputStream extends InputStream {
  private static final long STOP_WAIT_MILLIS = 5_000;

  /** Bytes {@code [0, length)} of {@code bytes}; length -1 marks the end. */
  private record Chunk(byte[] bytes, int length) {}

  private static final Chunk END = new Chunk(new byte[0], -1);

  private final BlockingQueue<Chunk> filled;
  private final BlockingQueue<byte[]> empty;
  private final Thread reader;
  private volatile IOException failure;
  private boolean finished; // guarded by this
  private boolean abandoned; // guarded by this
  private Chunk current = new Chunk(new byte[0], 0);
  private int position;
  private boolean ended;

  ReadAheadInputStream(InputStream source, String name, int chunkSize, int chunksAhead) {
    this.filled = new ArrayBlockingQueue<>(chunksAhead + 1);
    this.empty = new ArrayBlockingQueue<>(chunksAhead + 1);
    for (int i = 0; i < chunksAhead; i++) {
      empty.add(new byte[chunkSize]);
    }
    this.reader = new Thread(() -> pump(source), name);
    reader.setDaemon(true);
    reader.start();
  }

  private void pump(InputStream source) {
    try {
      while (true) {
        byte[] buffer = empty.take();
        int length = 0;
        for (int n;
            length < buffer.length
                && (n = source.read(buffer, length, buffer.length - length)) > 0; ) {
          length += n;
        }
        if (length == 0) {
          break;
        }
        filled.put(new Chunk(buffer, length));
      }
      filled.put(END);
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
      filled.put(END);
    } catch (InterruptedException stopped) {
      // nobody reads any more
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
    if (position == current.length() && !advance()) {
      return -1;
    }
    int n = Math.min(length, current.length() - position);
    System.arraycopy(current.bytes(), position, buffer, offset, n);
    position += n;
    return n;
  }

  private boolean advance() throws IOException {
    if (ended) {
      return false;
    }
    if (current.length() > 0) {
      empty.add(current.bytes()); // read through: the reader may fill it again
    }
    try {
      current = filled.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading ahead");
    }
    position = 0;
    if (current == END) {
      ended = true;
      current = new Chunk(new byte[0], 0);
      if (failure != null) {
        throw failure;
      }
      return false;
    }
    return true;
  }

  /**
   * Stops the reading thread and waits for it a little. Returns true when it has finished, so the
   * caller may use and close the source; otherwise the thread closes the source when it ends.
   */
  boolean stop() {
    reader.interrupt();
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
      // nobody is waiting for this stream any more
    }
  }

  /** Stops reading ahead; the source is not closed here (see {@link #stop()}). */
  @Override
  public void close() {
    stop();
  }
}
