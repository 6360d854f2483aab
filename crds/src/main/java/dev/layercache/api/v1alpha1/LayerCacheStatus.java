package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/** What the operator observed for a LayerCache: resolved images and per-node progress. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class LayerCacheStatus {
  /** Condition type: every image resolved to a manifest. */
  public static final String RESOLVED = "Resolved";

  /** Condition type: every targeted node holds every layer. */
  public static final String READY = "Ready";

  /** Condition type: at least one targeted node failed. */
  public static final String DEGRADED = "Degraded";

  /** The failures list keeps at most this many entries. */
  public static final int MAX_FAILURES = 20;

  @JsonPropertyDescription(
      "The metadata.generation this status was computed from; older than metadata.generation means the controller has not caught up yet.")
  private Long observedGeneration;

  @SchemaFrom(type = ConditionSchema[].class)
  @JsonPropertyDescription(
      "Standard conditions (type, status True|False|Unknown, reason, message, lastTransitionTime, observedGeneration). Types: Resolved (every image resolved to a manifest), Ready (every targeted node holds every layer), Degraded (some node failed).")
  private List<Condition> conditions;

  @JsonPropertyDescription(
      "Each image of spec.images, resolved to a manifest digest and layers per platform.")
  private List<ResolvedImage> resolved;

  @JsonPropertyDescription("When the images were last resolved (RFC 3339).")
  private String lastResolveTime;

  @JsonPropertyDescription("Node counts: targeted, ready, pulling, failed.")
  private NodeCounts nodes;

  @JsonPropertyDescription(
      "Ready nodes out of targeted nodes, as ready/targeted (2/3); for kubectl get.")
  private String readyNodes;

  @JsonPropertyDescription(
      "Compressed size in bytes of the distinct layers of all resolved images.")
  private Long totalBytes;

  @JsonPropertyDescription("totalBytes in binary units (412Mi, 1.2Gi); for kubectl get.")
  private String size;

  @Size(max = LayerCacheStatus.MAX_FAILURES)
  @JsonPropertyDescription("The most recent layer failures on nodes, at most 20, newest first.")
  private List<Failure> failures;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public List<ResolvedImage> getResolved() {
    return resolved;
  }

  public void setResolved(List<ResolvedImage> resolved) {
    this.resolved = resolved;
  }

  public String getLastResolveTime() {
    return lastResolveTime;
  }

  public void setLastResolveTime(String lastResolveTime) {
    this.lastResolveTime = lastResolveTime;
  }

  public NodeCounts getNodes() {
    return nodes;
  }

  public void setNodes(NodeCounts nodes) {
    this.nodes = nodes;
  }

  public String getReadyNodes() {
    return readyNodes;
  }

  public void setReadyNodes(String readyNodes) {
    this.readyNodes = readyNodes;
  }

  public Long getTotalBytes() {
    return totalBytes;
  }

  public void setTotalBytes(Long totalBytes) {
    this.totalBytes = totalBytes;
  }

  public String getSize() {
    return size;
  }

  public void setSize(String size) {
    this.size = size;
  }

  public List<Failure> getFailures() {
    return failures;
  }

  public void setFailures(List<Failure> failures) {
    this.failures = failures;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    LayerCacheStatus other = (LayerCacheStatus) o;
    return Objects.equals(observedGeneration, other.observedGeneration)
        && Objects.equals(conditions, other.conditions)
        && Objects.equals(resolved, other.resolved)
        && Objects.equals(lastResolveTime, other.lastResolveTime)
        && Objects.equals(nodes, other.nodes)
        && Objects.equals(readyNodes, other.readyNodes)
        && Objects.equals(totalBytes, other.totalBytes)
        && Objects.equals(size, other.size)
        && Objects.equals(failures, other.failures);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        observedGeneration,
        conditions,
        resolved,
        lastResolveTime,
        nodes,
        readyNodes,
        totalBytes,
        size,
        failures);
  }

  @Override
  public String toString() {
    return "LayerCacheStatus{"
        + "observedGeneration="
        + observedGeneration
        + ", "
        + "conditions="
        + conditions
        + ", "
        + "resolved="
        + resolved
        + ", "
        + "lastResolveTime="
        + lastResolveTime
        + ", "
        + "nodes="
        + nodes
        + ", "
        + "readyNodes="
        + readyNodes
        + ", "
        + "totalBytes="
        + totalBytes
        + ", "
        + "size="
        + size
        + ", "
        + "failures="
        + failures
        + "}";
  }
}
