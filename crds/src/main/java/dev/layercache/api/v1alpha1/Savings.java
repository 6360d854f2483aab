package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** What sharing layers saves on a node. logicalBytes - physicalBytes = savedBytes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class Savings {

  @JsonPropertyDescription(
      "What the node would hold if nothing were shared: each cached image's unpacked size, plus each workspace's lower layers and upper layer.")
  private Long logicalBytes;

  @JsonPropertyDescription("What the node holds: each distinct layer once, plus each upper layer.")
  private Long physicalBytes;

  @JsonPropertyDescription("logicalBytes - physicalBytes.")
  private Long savedBytes;

  @JsonPropertyDescription(
      "What containerd does not store twice because its snapshots stand on store layers (layercache as its snapshotter); not part of savedBytes. Absent when no containerd snapshot stands on a store layer.")
  private ContainerdSavings containerd;

  public Long getLogicalBytes() {
    return logicalBytes;
  }

  public void setLogicalBytes(Long logicalBytes) {
    this.logicalBytes = logicalBytes;
  }

  public Long getPhysicalBytes() {
    return physicalBytes;
  }

  public void setPhysicalBytes(Long physicalBytes) {
    this.physicalBytes = physicalBytes;
  }

  public Long getSavedBytes() {
    return savedBytes;
  }

  public void setSavedBytes(Long savedBytes) {
    this.savedBytes = savedBytes;
  }

  public ContainerdSavings getContainerd() {
    return containerd;
  }

  public void setContainerd(ContainerdSavings containerd) {
    this.containerd = containerd;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    Savings other = (Savings) o;
    return Objects.equals(logicalBytes, other.logicalBytes)
        && Objects.equals(physicalBytes, other.physicalBytes)
        && Objects.equals(savedBytes, other.savedBytes)
        && Objects.equals(containerd, other.containerd);
  }

  @Override
  public int hashCode() {
    return Objects.hash(logicalBytes, physicalBytes, savedBytes, containerd);
  }

  @Override
  public String toString() {
    return "Savings{"
        + "logicalBytes="
        + logicalBytes
        + ", "
        + "physicalBytes="
        + physicalBytes
        + ", "
        + "savedBytes="
        + savedBytes
        + ", containerd="
        + containerd
        + "}";
  }
}
