package dev.layercache.oci;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Passes bytes through while hashing them; at end of stream throws {@link DigestMismatchException}
 * unless the content had the expected size and digest.
 */
public final class VerifyingInputStream extends FilterInputStream {
  private final Digest expected;
  private final long expectedSize;
  private final MessageDigest hasher;
  private long count;
  private boolean verified;

  /**
   * @param expectedSize the exact length, or -1 when only the digest is known
   */
  public VerifyingInputStream(InputStream in, Digest expected, long expectedSize) {
    super(in);
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.hasher = expected.newHasher();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n < 0) {
      verify();
      return -1;
    }
    hasher.update(buffer, offset, n);
    count += n;
    if (expectedSize >= 0 && count > expectedSize) {
      throw new DigestMismatchException(
          expected, "more than the expected " + expectedSize + " bytes");
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Every byte must pass through the hash, so skipping means reading.
    return readNBytes((int) Math.min(n, 8192)).length;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void verify() throws DigestMismatchException {
    if (verified) {
      return;
    }
    if (expectedSize >= 0 && count != expectedSize) {
      throw new DigestMismatchException(
          expected, "got " + count + " bytes, expected " + expectedSize);
    }
    Digest actual = Digest.of(expected.algorithm(), hasher.digest());
    if (!actual.equals(expected)) {
      throw new DigestMismatchException(expected, "content hashes to " + actual);
    }
    verified = true;
  }
}
