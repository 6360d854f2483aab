package dev.layercache.agent.unpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class LayerCompressionTest {
  private static final byte[] PART1 = "first member ".repeat(1000).getBytes(StandardCharsets.UTF_8);
  private static final byte[] PART2 = "second member".repeat(1000).getBytes(StandardCharsets.UTF_8);

  @Test
  void mapsMediaTypesAndNamesUnknownOnes() {
    assertThat(LayerCompression.forMediaType("application/vnd.oci.image.layer.v1.tar+gzip"))
        .isEqualTo(LayerCompression.GZIP);
    assertThat(LayerCompression.forMediaType("application/vnd.docker.image.rootfs.diff.tar.gzip"))
        .isEqualTo(LayerCompression.GZIP);
    assertThat(LayerCompression.forMediaType("application/vnd.oci.image.layer.v1.tar+zstd"))
        .isEqualTo(LayerCompression.ZSTD);
    assertThat(
            LayerCompression.forMediaType(
                "application/vnd.oci.image.layer.nondistributable.v1.tar"))
        .isEqualTo(LayerCompression.NONE);
    assertThatThrownBy(() -> LayerCompression.forMediaType("application/x-bzip2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"application/x-bzip2\"");
  }

  @Test
  void readsEveryGzipMemberEvenWhenTheNetworkPausesBetweenThem() throws IOException {
    byte[] blob = concat(gzip(PART1), gzip(PART2));
    InputStream trickle = new Trickle(new ByteArrayInputStream(blob));
    assertThat(LayerCompression.GZIP.open(trickle).readAllBytes()).isEqualTo(concat(PART1, PART2));
  }

  @Test
  void readsEveryZstdFrame() throws IOException {
    byte[] blob = concat(zstd(PART1), zstd(PART2));
    assertThat(LayerCompression.ZSTD.open(new ByteArrayInputStream(blob)).readAllBytes())
        .isEqualTo(concat(PART1, PART2));
  }

  @Test
  void diffIdIsCheckedOverEveryUncompressedByte() throws Exception {
    // GNU tar pads archives to 10 KiB records: zeros after the end-of-archive marker.
    byte[] tar = concat(new TarBuilder().file("a", "x").build(), new byte[8192]);
    String diffId =
        "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(tar));

    DiffIdInputStream good =
        new DiffIdInputStream(
            LayerCompression.GZIP.open(new ByteArrayInputStream(gzip(tar))), diffId);
    TarReader reader = new TarReader(good);
    while (reader.next() != null) {
      // the reader stops at the end-of-archive marker, before the padding
    }
    assertThat(good.bytesRead()).isLessThan(tar.length);
    assertThat(good.verify()).isEqualTo(diffId);

    String wrong = "sha256:" + "0".repeat(64);
    DiffIdInputStream bad = new DiffIdInputStream(new ByteArrayInputStream(tar), wrong);
    assertThatThrownBy(bad::verify)
        .isInstanceOf(DiffIdMismatchException.class)
        .hasMessage(
            "diffID mismatch: expected "
                + wrong
                + " but the "
                + tar.length
                + " uncompressed bytes hash to "
                + diffId);
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  private static byte[] zstd(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZstdOutputStream z = new ZstdOutputStream(out)) {
      z.write(data);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  /** A network-like stream: small reads, and nothing ever "available". */
  private static final class Trickle extends FilterInputStream {
    Trickle(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return super.read(b, off, Math.min(len, 7));
    }

    @Override
    public int available() {
      return 0;
    }
  }
}
