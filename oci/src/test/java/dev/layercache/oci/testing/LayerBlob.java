package dev.layercache.oci.testing;

import com.github.luben.zstd.Zstd;
import dev.layercache.oci.Compression;
import dev.layercache.oci.Descriptor;
import dev.layercache.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/** A layer ready to push: its blob bytes, their descriptor, and the diff_id of the tar inside. */
public record LayerBlob(Descriptor descriptor, Digest diffId, byte[] tar, byte[] bytes) {

  /** Compresses {@code tar} and describes it with the media type {@code format} uses. */
  public static LayerBlob of(byte[] tar, Compression compression, ImageFormat format) {
    byte[] blob =
        switch (compression) {
          case NONE -> tar;
          case GZIP -> gzip(tar);
          case ZSTD -> Zstd.compress(tar);
        };
    return new LayerBlob(
        Descriptor.of(format.layerMediaType(compression), blob), Digest.sha256(tar), tar, blob);
  }

  private static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
