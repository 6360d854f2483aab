package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** A node that could not cache a layer, and why. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class Failure {

  @JsonPropertyDescription("Name of the node.")
  private String node;

  @JsonPropertyDescription("Digest (diffID) of the layer that failed.")
  private String digest;

  @JsonPropertyDescription(
      "Machine-readable reason in CamelCase, e.g. DiskPressure, DigestMismatch, Unauthorized.")
  private String reason;

  @JsonPropertyDescription("Human-readable cause, as the node agent reported it.")
  private String message;

  public String getNode() {
    return node;
  }

  public void setNode(String node) {
    this.node = node;
  }

  public String getDigest() {
    return digest;
  }

  public void setDigest(String digest) {
    this.digest = digest;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
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
    Failure other = (Failure) o;
    return Objects.equals(node, other.node)
        && Objects.equals(digest, other.digest)
        && Objects.equals(reason, other.reason)
        && Objects.equals(message, other.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(node, digest, reason, message);
  }

  @Override
  public String toString() {
    return "Failure{"
        + "node="
        + node
        + ", "
        + "digest="
        + digest
        + ", "
        + "reason="
        + reason
        + ", "
        + "message="
        + message
        + "}";
  }
}
