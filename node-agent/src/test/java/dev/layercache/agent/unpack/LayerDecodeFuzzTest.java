package dev.layercache.agent.unpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.layercache.oci.testing.FuzzBudget;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A layer blob as a registry sends it, through the decoder its media type names and the diffID
 * check: either it decodes, the same bytes always verify against their own digest and fail against
 * another with a {@link DiffIdMismatchException}; or decoding fails with an IOException.
 */
class LayerDecodeFuzzTest {
  private static final String OTHER = "sha256:" + "0".repeat(64);

  /** The first byte picks none, gzip or zstd; the rest is the blob. */
  @FuzzTest(maxDuration = FuzzBudget.CI)
  void decode(byte[] input) throws IOException {
    if (input.length == 0) {
      return;
    }
    LayerCompression compression =
        LayerCompression.values()[(input[0] & 0xff) % LayerCompression.values().length];
    byte[] blob = Arrays.copyOfRange(input, 1, input.length);
    String diffId;
    try (InputStream decoded = open(compression, blob)) {
      diffId = "sha256:" + HexFormat.of().formatHex(sha256(decoded));
    } catch (IOException badBlob) {
      return; // not gzip/zstd, or truncated: the fetch reports it (or retries)
    }
    try (DiffIdInputStream same = new DiffIdInputStream(open(compression, blob), diffId)) {
      assertThat(same.verify()).isEqualTo(diffId);
    }
    try (DiffIdInputStream other = new DiffIdInputStream(open(compression, blob), OTHER)) {
      assertThatThrownBy(other::verify).isInstanceOf(DiffIdMismatchException.class);
    }
  }

  private static byte[] sha256(InputStream in) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buffer = new byte[8192];
    for (int n; (n = in.read(buffer)) >= 0; ) {
      digest.update(buffer, 0, n);
    }
    return digest.digest();
  }

  private static InputStream open(LayerCompression compression, byte[] blob) throws IOException {
    return compression.open(new ByteArrayInputStream(blob));
  }
}
