package dev.layercache.agent.unpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.agent.kernel.RootRequired;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** igzip reads what the JDK's GZIPInputStream reads, and refuses what it refuses. */
class IgzipInputStreamTest {
  // Bigger than igzip's buffers, half incompressible, so blocks of every kind cross reads.
  private static final byte[] LAYER = layerLike(3 << 20);

  @BeforeEach
  void needsLibisal() {
    RootRequired.require(
        IgzipInputStream.open(InputStream.nullInputStream()).isPresent(),
        "libisal.so.2 (Debian's libisal2) is not installed");
  }

  @Test
  void onlyAReleaseWhoseStructLayoutWasCheckedIsUsed() {
    assertThat(IgzipInputStream.layoutVerified("libisal.so.2.0.30")).isTrue();
    assertThat(IgzipInputStream.layoutVerified("libisal.so.2.0.31")).isFalse();
    assertThat(LayerCompression.gzipInflater()).isEqualTo("igzip (libisal.so.2.0.30)");
  }

  @Test
  void readsWhatTheJdkReads() throws IOException {
    byte[] blob = concat(gzip(LAYER), gzip("second member".getBytes(StandardCharsets.UTF_8)));
    byte[] expected = new GZIPInputStream(new ByteArrayInputStream(blob)).readAllBytes();
    assertThat(igzip(blob).readAllBytes()).isEqualTo(expected);
  }

  @Test
  void readsOneByteAtATimeFromASlowSource() throws IOException {
    byte[] blob =
        concat(gzip("a".repeat(5000).getBytes(StandardCharsets.UTF_8)), gzip(new byte[0]));
    InputStream in = IgzipInputStream.open(new OneByteReads(blob)).orElseThrow();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int b; (b = in.read()) >= 0; ) {
      out.write(b);
    }
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("a".repeat(5000));
  }

  @Test
  void endsWhereNoFurtherMemberStarts() throws IOException {
    byte[] blob = concat(gzip(LAYER), new byte[1024]); // zeros after the member, as some tools pad
    assertThat(igzip(blob).readAllBytes()).isEqualTo(LAYER);
  }

  @Test
  void refusesATruncatedStream() {
    byte[] blob = gzip(LAYER);
    InputStream truncated = igzip(Arrays.copyOf(blob, blob.length / 2));
    assertThatThrownBy(truncated::readAllBytes)
        .isInstanceOf(EOFException.class)
        .hasMessage("unexpected end of the gzip stream");
  }

  @Test
  void refusesAWrongChecksumAndBadData() {
    byte[] blob = gzip(LAYER);
    blob[blob.length - 6] ^= 1; // in the CRC-32 of the trailer
    assertThatThrownBy(igzip(blob)::readAllBytes)
        .isInstanceOf(ZipException.class)
        .hasMessageContaining("CRC-32");
    assertThatThrownBy(igzip("not gzip at all".getBytes(StandardCharsets.UTF_8))::readAllBytes)
        .isInstanceOf(ZipException.class)
        .hasMessage("not in gzip format");
  }

  private static InputStream igzip(byte[] blob) {
    return IgzipInputStream.open(new ByteArrayInputStream(blob)).orElseThrow();
  }

  private static byte[] layerLike(int size) {
    byte[] data = new byte[size];
    new Random(14).nextBytes(data);
    byte[] text =
        "usr/lib/python3.11/site-packages/\n".repeat(size / 68).getBytes(StandardCharsets.UTF_8);
    System.arraycopy(text, 0, data, 0, text.length);
    return data;
  }

  private static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  /** A source that hands out one byte per read. */
  private static final class OneByteReads extends ByteArrayInputStream {
    OneByteReads(byte[] bytes) {
      super(bytes);
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      return super.read(b, off, Math.min(len, 1));
    }
  }
}
