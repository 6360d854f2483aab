package dev.layercache.agent.unpack;

import dev.layercache.oci.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Passes a layer's uncompressed bytes through while hashing them; {@link #verify} reads what the
 * tar reader left (it stops at the end-of-archive marker) and checks the diffID.
 */
public final class DiffIdInputStream extends FilterInputStream {
  private final String expected;
  private final String algorithm;
  private final MessageDigest digest;
  private long bytes;

  /**
   * @param expected the diffID, e.g. "sha256:0a1b..." (sha256 or sha512)
   */
  public DiffIdInputStream(InputStream uncompressed, String expected) {
    super(uncompressed);
    this.expected = expected;
    int colon = expected.indexOf(':');
    this.algorithm = colon < 0 ? "" : expected.substring(0, colon);
    if (!algorithm.equals("sha256") && !algorithm.equals("sha512")) {
      throw new IllegalArgumentException("unsupported diffID " + expected);
    }
    this.digest = Digest.newHasher(algorithm);
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      digest.update((byte) b);
      bytes++;
    }
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = in.read(buf, off, len);
    if (n > 0) {
      digest.update(buf, off, n);
      bytes += n;
    }
    return n;
  }

  /** Skipped bytes are read and hashed, too. */
  @Override
  public long skip(long n) throws IOException {
    byte[] scratch = new byte[(int) Math.min(n, 64 * 1024)];
    long skipped = 0;
    while (skipped < n) {
      int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** Uncompressed bytes read so far. */
  public long bytesRead() {
    return bytes;
  }

  /**
   * Reads to the end of the stream and checks the digest.
   *
   * @return the diffID
   * @throws DiffIdMismatchException when the bytes hash to something else
   */
  public String verify() throws IOException {
    byte[] scratch = new byte[64 * 1024];
    while (read(scratch, 0, scratch.length) >= 0) {
      // drain: tar padding after the end-of-archive marker belongs to the diffID too
    }
    String actual = algorithm + ":" + HexFormat.of().formatHex(digest.digest());
    if (!actual.equals(expected)) {
      throw new DiffIdMismatchException(expected, actual, bytes);
    }
    return actual;
  }
}
