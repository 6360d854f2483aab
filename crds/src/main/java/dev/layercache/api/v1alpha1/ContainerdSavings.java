package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * What containerd does not store twice because its snapshots stand on store layers (layercache as
 * its snapshotter). Counted apart from logical/physical/saved, which are the store's own.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class ContainerdSavings {

  @JsonPropertyDescription(
      "Committed containerd snapshots (any containerd namespace) whose tree is a store layer.")
  private Integer snapshots;

  @JsonPropertyDescription("Distinct store layers under those snapshots.")
  private Integer layers;

  @JsonPropertyDescription(
      "The unpacked copies containerd's own overlayfs snapshotter would have made: each such snapshot's layer size.")
  private Long unpackedBytes;

  @JsonPropertyDescription(
      "The compressed blobs containerd's content store would have kept: each distinct layer's blob size, once.")
  private Long blobBytes;

  @JsonPropertyDescription(
      "unpackedBytes + blobBytes: what the node would hold besides the store if containerd kept its own copies. Active snapshots (containers' writable layers) and layers containerd unpacked itself are not counted.")
  private Long notStoredTwiceBytes;

  public Integer getSnapshots() {
    return snapshots;
  }

  public void setSnapshots(Integer snapshots) {
    this.snapshots = snapshots;
  }

  public Integer getLayers() {
    return layers;
  }

  public void setLayers(Integer layers) {
    this.layers = layers;
  }

  public Long getUnpackedBytes() {
    return unpackedBytes;
  }

  public void setUnpackedBytes(Long unpackedBytes) {
    this.unpackedBytes = unpackedBytes;
  }

  public Long getBlobBytes() {
    return blobBytes;
  }

  public void setBlobBytes(Long blobBytes) {
    this.blobBytes = blobBytes;
  }

  public Long getNotStoredTwiceBytes() {
    return notStoredTwiceBytes;
  }

  public void setNotStoredTwiceBytes(Long notStoredTwiceBytes) {
    this.notStoredTwiceBytes = notStoredTwiceBytes;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    ContainerdSavings other = (ContainerdSavings) o;
    return Objects.equals(snapshots, other.snapshots)
        && Objects.equals(layers, other.layers)
        && Objects.equals(unpackedBytes, other.unpackedBytes)
        && Objects.equals(blobBytes, other.blobBytes)
        && Objects.equals(notStoredTwiceBytes, other.notStoredTwiceBytes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(snapshots, layers, unpackedBytes, blobBytes, notStoredTwiceBytes);
  }

  @Override
  public String toString() {
    return "ContainerdSavings{snapshots="
        + snapshots
        + ", layers="
        + layers
        + ", unpackedBytes="
        + unpackedBytes
        + ", blobBytes="
        + blobBytes
        + ", notStoredTwiceBytes="
        + notStoredTwiceBytes
        + "}";
  }
}
