package dev.layercache.oci.testing;

import dev.layercache.oci.Compression;
import dev.layercache.oci.MediaTypes;

/** Which family of media types a test image uses. */
public enum ImageFormat {
  OCI,
  DOCKER;

  public String manifestMediaType() {
    return this == OCI ? MediaTypes.OCI_MANIFEST : MediaTypes.DOCKER_MANIFEST;
  }

  public String indexMediaType() {
    return this == OCI ? MediaTypes.OCI_INDEX : MediaTypes.DOCKER_MANIFEST_LIST;
  }

  public String configMediaType() {
    return this == OCI ? MediaTypes.OCI_CONFIG : MediaTypes.DOCKER_CONFIG;
  }

  public String layerMediaType(Compression compression) {
    return switch (compression) {
      case NONE -> this == OCI ? MediaTypes.OCI_LAYER : MediaTypes.DOCKER_LAYER;
      case GZIP -> this == OCI ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.DOCKER_LAYER_GZIP;
      case ZSTD -> {
        if (this == DOCKER) {
          throw new IllegalArgumentException("Docker schema 2 has no zstd layer media type");
        }
        yield MediaTypes.OCI_LAYER_ZSTD;
      }
    };
  }
}
