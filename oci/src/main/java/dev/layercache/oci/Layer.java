package dev.layercache.oci;

/** One layer of a resolved image: the compressed blob and the digest of its uncompressed tar. */
public record Layer(Descriptor blob, Digest diffId) {

  public Compression compression() {
    return Compression.ofLayer(blob.mediaType());
  }
}
