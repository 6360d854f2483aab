package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Options of a workspace's overlay mount. By default mounts are nosuid and nodev. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class MountOptions {

  @JsonPropertyDescription(
      "Honour setuid and setgid bits in the merged view (drops nosuid). Unset: false.")
  private Boolean allowSetuid;

  @JsonPropertyDescription(
      "Allow device files in the merged view to be opened (drops nodev). Unset: false.")
  private Boolean allowDevices;

  public Boolean getAllowSetuid() {
    return allowSetuid;
  }

  public void setAllowSetuid(Boolean allowSetuid) {
    this.allowSetuid = allowSetuid;
  }

  public Boolean getAllowDevices() {
    return allowDevices;
  }

  public void setAllowDevices(Boolean allowDevices) {
    this.allowDevices = allowDevices;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    MountOptions other = (MountOptions) o;
    return Objects.equals(allowSetuid, other.allowSetuid)
        && Objects.equals(allowDevices, other.allowDevices);
  }

  @Override
  public int hashCode() {
    return Objects.hash(allowSetuid, allowDevices);
  }

  @Override
  public String toString() {
    return "MountOptions{"
        + "allowSetuid="
        + allowSetuid
        + ", "
        + "allowDevices="
        + allowDevices
        + "}";
  }
}
