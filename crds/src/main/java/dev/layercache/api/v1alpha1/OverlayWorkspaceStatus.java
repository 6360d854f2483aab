package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/** What the operator observed for an OverlayWorkspace: phase, node, paths and sizes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class OverlayWorkspaceStatus {
  /** Condition type: a node was chosen. */
  public static final String SCHEDULED = "Scheduled";

  /** Condition type: the node holds every layer of the image. */
  public static final String LAYERS_READY = "LayersReady";

  /** Condition type: the overlay is mounted. */
  public static final String MOUNTED = "Mounted";

  /** Condition type: the workspace is usable. */
  public static final String READY = "Ready";

  @JsonPropertyDescription(
      "The metadata.generation this status was computed from; older than metadata.generation means the controller has not caught up yet.")
  private Long observedGeneration;

  @SchemaFrom(type = ConditionSchema[].class)
  @JsonPropertyDescription(
      "Standard conditions (type, status True|False|Unknown, reason, message, lastTransitionTime, observedGeneration). Types: Scheduled (a node was chosen), LayersReady (the node holds every layer), Mounted (the overlay is mounted), Ready (usable).")
  private List<Condition> conditions;

  @JsonPropertyDescription("Pending, Pulling, Ready, Committing, Failed or Terminating.")
  private WorkspacePhase phase;

  @JsonPropertyDescription("Node the workspace is scheduled to.")
  private String nodeName;

  @JsonPropertyDescription("Digest of the image manifest the workspace's layers come from.")
  private String imageDigest;

  @JsonPropertyDescription(
      "The image's layers for the node's platform, base first: the overlay's lower layers. Set when the workspace is scheduled; the operator builds the node's instructions from it.")
  private List<Layer> layers;

  @JsonPropertyDescription("Path on the node of the merged, writable view.")
  private String mergedPath;

  @JsonPropertyDescription("Path on the node of the upper layer (the workspace's own writes).")
  private String upperPath;

  @JsonPropertyDescription("Path on the node of overlayfs's work directory.")
  private String workPath;

  @JsonPropertyDescription(
      "Unpacked size in bytes of the image's layers (shared with other users of the same layers).")
  private Long lowerBytes;

  @JsonPropertyDescription("Size in bytes of the upper layer.")
  private Long upperBytes;

  @JsonPropertyDescription("upperBytes in binary units (12Mi); for kubectl get.")
  private String upperSize;

  @JsonPropertyDescription("The latest commit of the upper layer, when spec.commit is set.")
  private CommitStatus committed;

  @JsonPropertyDescription(
      "UIDs of the pods using the workspace now (workspace.layercache.dev volumes); deleting it"
          + " waits for them to go.")
  private List<String> pods;

  public List<String> getPods() {
    return pods;
  }

  public void setPods(List<String> pods) {
    this.pods = pods;
  }

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

  public WorkspacePhase getPhase() {
    return phase;
  }

  public void setPhase(WorkspacePhase phase) {
    this.phase = phase;
  }

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public String getImageDigest() {
    return imageDigest;
  }

  public void setImageDigest(String imageDigest) {
    this.imageDigest = imageDigest;
  }

  public List<Layer> getLayers() {
    return layers;
  }

  public void setLayers(List<Layer> layers) {
    this.layers = layers;
  }

  public String getMergedPath() {
    return mergedPath;
  }

  public void setMergedPath(String mergedPath) {
    this.mergedPath = mergedPath;
  }

  public String getUpperPath() {
    return upperPath;
  }

  public void setUpperPath(String upperPath) {
    this.upperPath = upperPath;
  }

  public String getWorkPath() {
    return workPath;
  }

  public void setWorkPath(String workPath) {
    this.workPath = workPath;
  }

  public Long getLowerBytes() {
    return lowerBytes;
  }

  public void setLowerBytes(Long lowerBytes) {
    this.lowerBytes = lowerBytes;
  }

  public Long getUpperBytes() {
    return upperBytes;
  }

  public void setUpperBytes(Long upperBytes) {
    this.upperBytes = upperBytes;
  }

  public String getUpperSize() {
    return upperSize;
  }

  public void setUpperSize(String upperSize) {
    this.upperSize = upperSize;
  }

  public CommitStatus getCommitted() {
    return committed;
  }

  public void setCommitted(CommitStatus committed) {
    this.committed = committed;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    OverlayWorkspaceStatus other = (OverlayWorkspaceStatus) o;
    return Objects.equals(observedGeneration, other.observedGeneration)
        && Objects.equals(conditions, other.conditions)
        && Objects.equals(phase, other.phase)
        && Objects.equals(nodeName, other.nodeName)
        && Objects.equals(imageDigest, other.imageDigest)
        && Objects.equals(layers, other.layers)
        && Objects.equals(mergedPath, other.mergedPath)
        && Objects.equals(upperPath, other.upperPath)
        && Objects.equals(workPath, other.workPath)
        && Objects.equals(lowerBytes, other.lowerBytes)
        && Objects.equals(upperBytes, other.upperBytes)
        && Objects.equals(upperSize, other.upperSize)
        && Objects.equals(committed, other.committed)
        && Objects.equals(pods, other.pods);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        observedGeneration,
        conditions,
        phase,
        nodeName,
        imageDigest,
        layers,
        mergedPath,
        upperPath,
        workPath,
        lowerBytes,
        upperBytes,
        upperSize,
        committed,
        pods);
  }

  @Override
  public String toString() {
    return "OverlayWorkspaceStatus{"
        + "observedGeneration="
        + observedGeneration
        + ", "
        + "conditions="
        + conditions
        + ", "
        + "phase="
        + phase
        + ", "
        + "nodeName="
        + nodeName
        + ", "
        + "imageDigest="
        + imageDigest
        + ", "
        + "layers="
        + layers
        + ", "
        + "mergedPath="
        + mergedPath
        + ", "
        + "upperPath="
        + upperPath
        + ", "
        + "workPath="
        + workPath
        + ", "
        + "lowerBytes="
        + lowerBytes
        + ", "
        + "upperBytes="
        + upperBytes
        + ", "
        + "upperSize="
        + upperSize
        + ", "
        + "committed="
        + committed
        + ", "
        + "pods="
        + pods
        + "}";
  }
}
