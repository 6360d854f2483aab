package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Disk use of the filesystem that holds the node's store. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class DiskStatus {

  @JsonPropertyDescription("Size of the filesystem in bytes.")
  private Long capacityBytes;

  @JsonPropertyDescription("Bytes in use on the filesystem, by anything.")
  private Long usedBytes;

  @JsonPropertyDescription("Bytes held by unpacked layers in the store.")
  private Long layerBytes;

  @JsonPropertyDescription("Bytes held by workspaces' upper layers.")
  private Long upperBytes;

  @JsonPropertyDescription(
      "Bytes of cached layers that no cached image shows: files a later layer removes or"
          + " replaces, pulled and kept on the node for nothing (see layercache analyze).")
  private Long wastedBytes;

  public Long getCapacityBytes() {
    return capacityBytes;
  }

  public void setCapacityBytes(Long capacityBytes) {
    this.capacityBytes = capacityBytes;
  }

  public Long getUsedBytes() {
    return usedBytes;
  }

  public void setUsedBytes(Long usedBytes) {
    this.usedBytes = usedBytes;
  }

  public Long getLayerBytes() {
    return layerBytes;
  }

  public void setLayerBytes(Long layerBytes) {
    this.layerBytes = layerBytes;
  }

  public Long getUpperBytes() {
    return upperBytes;
  }

  public void setUpperBytes(Long upperBytes) {
    this.upperBytes = upperBytes;
  }

  public Long getWastedBytes() {
    return wastedBytes;
  }

  public void setWastedBytes(Long wastedBytes) {
    this.wastedBytes = wastedBytes;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    DiskStatus other = (DiskStatus) o;
    return Objects.equals(capacityBytes, other.capacityBytes)
        && Objects.equals(usedBytes, other.usedBytes)
        && Objects.equals(layerBytes, other.layerBytes)
        && Objects.equals(upperBytes, other.upperBytes)
        && Objects.equals(wastedBytes, other.wastedBytes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(capacityBytes, usedBytes, layerBytes, upperBytes, wastedBytes);
  }

  @Override
  public String toString() {
    return "DiskStatus{"
        + "capacityBytes="
        + capacityBytes
        + ", "
        + "usedBytes="
        + usedBytes
        + ", "
        + "layerBytes="
        + layerBytes
        + ", "
        + "upperBytes="
        + upperBytes
        + ", wastedBytes="
        + wastedBytes
        + "}";
  }
}
