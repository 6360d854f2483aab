package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Progress of one layer on a node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class LayerStatus {

  @JsonPropertyDescription("diffID of the layer, as in spec.layers.")
  private String diffID;

  @JsonPropertyDescription("Pending, Pulling, Ready or Failed.")
  private LayerState state;

  @JsonPropertyDescription("Bytes fetched so far.")
  private Long bytesDone;

  @JsonPropertyDescription("Bytes to fetch in all.")
  private Long bytesTotal;

  @JsonPropertyDescription(
      "Why the layer failed, in one CamelCase word, when Failed: NotFound, Unauthorized,"
          + " RegistryUnavailable, DigestMismatch, BadLayer, DiskPressure or PullFailed.")
  private String reason;

  @JsonPropertyDescription("Why the layer failed, when Failed.")
  private String message;

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getDiffID() {
    return diffID;
  }

  public void setDiffID(String diffID) {
    this.diffID = diffID;
  }

  public LayerState getState() {
    return state;
  }

  public void setState(LayerState state) {
    this.state = state;
  }

  public Long getBytesDone() {
    return bytesDone;
  }

  public void setBytesDone(Long bytesDone) {
    this.bytesDone = bytesDone;
  }

  public Long getBytesTotal() {
    return bytesTotal;
  }

  public void setBytesTotal(Long bytesTotal) {
    this.bytesTotal = bytesTotal;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    LayerStatus other = (LayerStatus) o;
    return Objects.equals(diffID, other.diffID)
        && Objects.equals(state, other.state)
        && Objects.equals(bytesDone, other.bytesDone)
        && Objects.equals(bytesTotal, other.bytesTotal)
        && Objects.equals(reason, other.reason)
        && Objects.equals(message, other.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(diffID, state, bytesDone, bytesTotal, reason, message);
  }

  @Override
  public String toString() {
    return "LayerStatus{"
        + "diffID="
        + diffID
        + ", "
        + "state="
        + state
        + ", "
        + "bytesDone="
        + bytesDone
        + ", "
        + "bytesTotal="
        + bytesTotal
        + ", "
        + "reason="
        + reason
        + ", "
        + "message="
        + message
        + "}";
  }
}
