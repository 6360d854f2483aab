package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Objects;

/** A layer the operator wants on a node, and where to fetch it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class LayerRef {
  @Required
  @Pattern(Patterns.DIGEST)
  @JsonPropertyDescription("Digest of the layer blob (compressed), sha256:<64 hex>.")
  private String digest;

  @Required
  @Pattern(Patterns.DIGEST)
  @JsonPropertyDescription(
      "Digest of the uncompressed layer tar, sha256:<64 hex>; the key in the node's store.")
  private String diffID;

  @Min(0)
  @JsonPropertyDescription("Size of the layer blob in bytes (compressed).")
  private Long size;

  @JsonPropertyDescription("Media type of the layer blob.")
  private String mediaType;

  @Required
  @Size(min = 1)
  @JsonPropertyDescription("Repositories that hold the blob, tried in order.")
  private List<LayerSource> sources;

  @JsonPropertyDescription(
      "True when a LayerCache wants the layer: it is never evicted. Layers of mounted workspaces are never evicted either.")
  private Boolean pinned;

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

  public List<LayerSource> getSources() {
    return sources;
  }

  public void setSources(List<LayerSource> sources) {
    this.sources = sources;
  }

  public Boolean getPinned() {
    return pinned;
  }

  public void setPinned(Boolean pinned) {
    this.pinned = pinned;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    LayerRef other = (LayerRef) o;
    return Objects.equals(digest, other.digest)
        && Objects.equals(diffID, other.diffID)
        && Objects.equals(size, other.size)
        && Objects.equals(mediaType, other.mediaType)
        && Objects.equals(sources, other.sources)
        && Objects.equals(pinned, other.pinned);
  }

  @Override
  public int hashCode() {
    return Objects.hash(digest, diffID, size, mediaType, sources, pinned);
  }

  @Override
  public String toString() {
    return "LayerRef{"
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
        + ", "
        + "sources="
        + sources
        + ", "
        + "pinned="
        + pinned
        + "}";
  }
}
