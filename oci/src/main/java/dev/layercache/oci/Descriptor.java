package dev.layercache.oci;

import java.util.Map;
import java.util.Optional;

/** An OCI content descriptor: what a blob or manifest is, its digest and its size. */
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    Map<String, String> annotations,
    Optional<Platform> platform) {

  public Descriptor {
    annotations = Map.copyOf(annotations);
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, Map.of(), Optional.empty());
  }

  /** Describes {@code content} with a sha256 digest. */
  public static Descriptor of(String mediaType, byte[] content) {
    return new Descriptor(mediaType, Digest.sha256(content), content.length);
  }

  public Descriptor withPlatform(Platform platform) {
    return new Descriptor(mediaType, digest, size, annotations, Optional.of(platform));
  }
}
