package dev.layercache.oci;

/** How a layer blob is compressed, as its media type says. */
public enum Compression {
  NONE,
  GZIP,
  ZSTD;

  /** The compression a layer media type announces; unknown suffixes are an error. */
  public static Compression ofLayer(String mediaType) {
    if (mediaType.endsWith("+gzip") || mediaType.endsWith(".tar.gzip")) {
      return GZIP;
    }
    if (mediaType.endsWith("+zstd") || mediaType.endsWith(".tar.zstd")) {
      return ZSTD;
    }
    if (mediaType.endsWith(".tar") || mediaType.endsWith("layer.v1.tar")) {
      return NONE;
    }
    throw new IllegalArgumentException("not a known layer media type: " + mediaType);
  }
}
