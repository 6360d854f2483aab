package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** How many nodes a LayerCache targets, and where they stand. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class NodeCounts {

  @JsonPropertyDescription("Nodes selected by spec.nodeSelector.")
  private Integer targeted;

  @JsonPropertyDescription("Targeted nodes that hold every layer of every resolved image.")
  private Integer ready;

  @JsonPropertyDescription("Targeted nodes still fetching or unpacking layers.")
  private Integer pulling;

  @JsonPropertyDescription("Targeted nodes where at least one layer failed; see failures.")
  private Integer failed;

  public Integer getTargeted() {
    return targeted;
  }

  public void setTargeted(Integer targeted) {
    this.targeted = targeted;
  }

  public Integer getReady() {
    return ready;
  }

  public void setReady(Integer ready) {
    this.ready = ready;
  }

  public Integer getPulling() {
    return pulling;
  }

  public void setPulling(Integer pulling) {
    this.pulling = pulling;
  }

  public Integer getFailed() {
    return failed;
  }

  public void setFailed(Integer failed) {
    this.failed = failed;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    NodeCounts other = (NodeCounts) o;
    return Objects.equals(targeted, other.targeted)
        && Objects.equals(ready, other.ready)
        && Objects.equals(pulling, other.pulling)
        && Objects.equals(failed, other.failed);
  }

  @Override
  public int hashCode() {
    return Objects.hash(targeted, ready, pulling, failed);
  }

  @Override
  public String toString() {
    return "NodeCounts{"
        + "targeted="
        + targeted
        + ", "
        + "ready="
        + ready
        + ", "
        + "pulling="
        + pulling
        + ", "
        + "failed="
        + failed
        + "}";
  }
}
