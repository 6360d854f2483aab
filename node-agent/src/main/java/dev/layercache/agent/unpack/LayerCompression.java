package dev.layercache.agent.unpack;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/** How a layer blob is compressed, from its media type, and how to read it uncompressed. */
public enum LayerCompression {
  NONE,
  GZIP,
  ZSTD;

  private static final int BUFFER_SIZE = 256 * 1024;

  private static final Map<String, LayerCompression> MEDIA_TYPES =
      Map.of(
          "application/vnd.oci.image.layer.v1.tar", NONE,
          "application/vnd.oci.image.layer.v1.tar+gzip", GZIP,
          "application/vnd.oci.image.layer.v1.tar+zstd", ZSTD,
          "application/vnd.oci.image.layer.nondistributable.v1.tar", NONE,
          "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", GZIP,
          "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", ZSTD,
          "application/vnd.docker.image.rootfs.diff.tar", NONE,
          "application/vnd.docker.image.rootfs.diff.tar.gzip", GZIP,
          "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", GZIP);

  /** Whether layers of this media type can be unpacked. */
  public static boolean supports(String mediaType) {
    return MEDIA_TYPES.containsKey(mediaType);
  }

  /**
   * The compression of a layer media type.
   *
   * @throws IllegalArgumentException naming the media type when it is not a supported layer type
   */
  public static LayerCompression forMediaType(String mediaType) {
    LayerCompression compression = MEDIA_TYPES.get(mediaType);
    if (compression == null) {
      throw new IllegalArgumentException(
          "unsupported layer media type \""
              + mediaType
              + "\" (expected an OCI or Docker layer tar, uncompressed, gzip or zstd)");
    }
    return compression;
  }

  /** What inflates gzip layers in this process, for --version and logs. */
  public static String gzipInflater() {
    return IgzipInputStream.library().map(file -> "igzip (" + file + ")").orElse("zlib");
  }

  /** The uncompressed tar stream of a blob; closing it closes the blob stream. */
  public InputStream open(InputStream blob) throws IOException {
    return switch (this) {
      case NONE -> blob;
      // Layers may be several concatenated gzip members (eStargz): read them all. igzip when
      // libisal2 is installed; else the JDK's GZIPInputStream (faster than commons-compress
      // here), which looks for a next member only when available() says more input is there,
      // which a network stream need not say; so it gets a stream whose available() waits.
      case GZIP -> {
        Optional<InputStream> igzip = IgzipInputStream.open(blob);
        yield igzip.isPresent()
            ? igzip.get()
            : new GZIPInputStream(new WaitingAvailable(blob), BUFFER_SIZE);
      }
      case ZSTD -> new ZstdInputStreamNoFinalizer(blob); // reads consecutive frames, too
    };
  }

  /** A buffered stream whose available() blocks until a byte is there, or says 0 at the end. */
  private static final class WaitingAvailable extends BufferedInputStream {
    WaitingAvailable(InputStream in) {
      super(in, BUFFER_SIZE);
    }

    @Override
    public synchronized int available() throws IOException {
      if (super.available() > 0) {
        return super.available();
      }
      mark(1);
      if (read() < 0) {
        return 0;
      }
      reset();
      return super.available();
    }
  }
}
