package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Objects;

/** The writable upper layer of a workspace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class UpperLayerSpec {

  @JsonPropertyDescription(
      "What happens to the upper layer when the workspace is deleted: Delete removes it, Retain keeps it on the node. Unset: Delete.")
  private ReclaimPolicy reclaimPolicy;

  @JsonPropertyDescription(
      "Largest size the upper layer may grow to, as a byte quantity (512Mi, 10Gi) or a number of bytes. Unset: no limit.")
  private Quantity sizeLimit;

  public ReclaimPolicy getReclaimPolicy() {
    return reclaimPolicy;
  }

  public void setReclaimPolicy(ReclaimPolicy reclaimPolicy) {
    this.reclaimPolicy = reclaimPolicy;
  }

  public Quantity getSizeLimit() {
    return sizeLimit;
  }

  public void setSizeLimit(Quantity sizeLimit) {
    this.sizeLimit = sizeLimit;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    UpperLayerSpec other = (UpperLayerSpec) o;
    return Objects.equals(reclaimPolicy, other.reclaimPolicy)
        && Objects.equals(sizeLimit, other.sizeLimit);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reclaimPolicy, sizeLimit);
  }

  @Override
  public String toString() {
    return "UpperLayerSpec{"
        + "reclaimPolicy="
        + reclaimPolicy
        + ", "
        + "sizeLimit="
        + sizeLimit
        + "}";
  }
}
