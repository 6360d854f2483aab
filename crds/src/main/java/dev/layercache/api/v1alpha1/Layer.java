package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** One layer of a resolved image, as its manifest and config describe it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class Layer {
  @Required
  @Pattern(Patterns.DIGEST)
  @JsonPropertyDescription(
      "Digest of the layer blob as stored in the registry (compressed), sha256:<64 hex>.")
  private String digest;

  @Required
  @Pattern(Patterns.DIGEST)
  @JsonPropertyDescription(
      "Digest of the uncompressed layer tar (the image config's rootfs.diff_ids entry), sha256:<64 hex>. Nodes store layers under this key, so a gzip and a zstd copy of one layer share one directory.")
  private String diffID;

  @Min(0)
  @JsonPropertyDescription(
      "Size of the layer blob in bytes, as the manifest states it (compressed).")
  private Long size;

  @JsonPropertyDescription(
      "Media type of the layer blob, e.g. application/vnd.oci.image.layer.v1.tar+gzip.")
  private String mediaType;

  public String getDigest() {
    return digest;
  }

  public void setDigest(String digest) {
    this.digest = digest;
  }

  public String getDiffID() {
    return diffID;
  }

  public void setDiffID(String diffID) {
    this.diffID = diffID;
  }

  public Long getSize() {
    return size;
  }

  public void setSize(Long size) {
    this.size = size;
  }

  public String getMediaType() {
    return mediaType;
  }

  public void setMediaType(String mediaType) {
    this.mediaType = mediaType;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    Layer other = (Layer) o;
    return Objects.equals(digest, other.digest)
        && Objects.equals(diffID, other.diffID)
        && Objects.equals(size, other.size)
        && Objects.equals(mediaType, other.mediaType);
  }

  @Override
  public int hashCode() {
    return Objects.hash(digest, diffID, size, mediaType);
  }

  @Override
  public String toString() {
    return "Layer{"
        + "digest="
        + digest
        + ", "
        + "diffID="
        + diffID
        + ", "
        + "size="
        + size
        + ", "
        + "mediaType="
        + mediaType
        + "}";
  }
}
