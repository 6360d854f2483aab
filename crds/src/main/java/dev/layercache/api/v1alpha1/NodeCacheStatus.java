package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/** What the node agent reports about its node. Written by that node's agent only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class NodeCacheStatus {
  /** Condition type: every layer and workspace of the spec is in place. */
  public static final String READY = "Ready";

  /** Condition type: a pull did not fit under the disk's high watermark. */
  public static final String DISK_PRESSURE = "DiskPressure";

  /**
   * Condition type, only when the agent has a CRI socket: every image whose layers are all here is
   * present in the container runtime too.
   */
  public static final String IMAGES_PRESENT = "ImagesPresent";

  @JsonPropertyDescription(
      "The metadata.generation this status was computed from; older than metadata.generation means the controller has not caught up yet.")
  private Long observedGeneration;

  @SchemaFrom(type = ConditionSchema[].class)
  @JsonPropertyDescription(
      "Standard conditions (type, status True|False|Unknown, reason, message, lastTransitionTime, observedGeneration). Types: Ready (every layer and workspace of the spec is in place), DiskPressure (a pull did not fit under the disk's high watermark), ImagesPresent (only when the agent has a CRI socket: every image whose layers are all on the node is present in the container runtime too; False with reason CriPullFailed names the image and the runtime's error, and the pull is retried with backoff).")
  private List<Condition> conditions;

  @JsonPropertyDescription(
      "When the agent last wrote this status (RFC 3339). It writes only when something shown changed, so a quiet node keeps an old time; its liveness is in its metrics.")
  private String lastSyncTime;

  @JsonPropertyDescription("Version of the node agent.")
  private String agentVersion;

  @JsonPropertyDescription("Progress of each layer of spec.layers.")
  private List<LayerStatus> layers;

  @JsonPropertyDescription(
      "State of each workspace of spec.workspaces, and of removed ones until the operator drops them.")
  private List<WorkspaceStatus> workspaces;

  @JsonPropertyDescription(
      "Ready layers out of wanted layers, as ready/wanted (12/14); for kubectl get.")
  private String readyLayers;

  @JsonPropertyDescription("Disk use of the store's filesystem.")
  private DiskStatus disk;

  @JsonPropertyDescription(
      "Store bytes (layers and uppers) out of filesystem capacity, in binary units (38Gi/100Gi); for kubectl get.")
  private String diskUsage;

  @JsonPropertyDescription("Bytes that sharing layers saves on this node.")
  private Savings savings;

  @JsonPropertyDescription("savings.savedBytes in binary units (3.1Gi); for kubectl get.")
  private String saved;

  @JsonPropertyDescription("disk.wastedBytes in binary units (120Mi); for kubectl get -o wide.")
  private String wasted;

  @JsonPropertyDescription(
      "savings.containerd.notStoredTwiceBytes in binary units (2.3Gi); for kubectl get -o wide.")
  private String containerdSaved;

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

  public String getLastSyncTime() {
    return lastSyncTime;
  }

  public void setLastSyncTime(String lastSyncTime) {
    this.lastSyncTime = lastSyncTime;
  }

  public String getAgentVersion() {
    return agentVersion;
  }

  public void setAgentVersion(String agentVersion) {
    this.agentVersion = agentVersion;
  }

  public List<LayerStatus> getLayers() {
    return layers;
  }

  public void setLayers(List<LayerStatus> layers) {
    this.layers = layers;
  }

  public List<WorkspaceStatus> getWorkspaces() {
    return workspaces;
  }

  public void setWorkspaces(List<WorkspaceStatus> workspaces) {
    this.workspaces = workspaces;
  }

  public String getReadyLayers() {
    return readyLayers;
  }

  public void setReadyLayers(String readyLayers) {
    this.readyLayers = readyLayers;
  }

  public DiskStatus getDisk() {
    return disk;
  }

  public void setDisk(DiskStatus disk) {
    this.disk = disk;
  }

  public String getDiskUsage() {
    return diskUsage;
  }

  public void setDiskUsage(String diskUsage) {
    this.diskUsage = diskUsage;
  }

  public Savings getSavings() {
    return savings;
  }

  public void setSavings(Savings savings) {
    this.savings = savings;
  }

  public String getSaved() {
    return saved;
  }

  public void setSaved(String saved) {
    this.saved = saved;
  }

  public String getWasted() {
    return wasted;
  }

  public void setWasted(String wasted) {
    this.wasted = wasted;
  }

  public String getContainerdSaved() {
    return containerdSaved;
  }

  public void setContainerdSaved(String containerdSaved) {
    this.containerdSaved = containerdSaved;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    NodeCacheStatus other = (NodeCacheStatus) o;
    return Objects.equals(observedGeneration, other.observedGeneration)
        && Objects.equals(conditions, other.conditions)
        && Objects.equals(lastSyncTime, other.lastSyncTime)
        && Objects.equals(agentVersion, other.agentVersion)
        && Objects.equals(layers, other.layers)
        && Objects.equals(workspaces, other.workspaces)
        && Objects.equals(readyLayers, other.readyLayers)
        && Objects.equals(disk, other.disk)
        && Objects.equals(diskUsage, other.diskUsage)
        && Objects.equals(savings, other.savings)
        && Objects.equals(saved, other.saved)
        && Objects.equals(wasted, other.wasted)
        && Objects.equals(containerdSaved, other.containerdSaved);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        observedGeneration,
        conditions,
        lastSyncTime,
        agentVersion,
        layers,
        workspaces,
        readyLayers,
        disk,
        diskUsage,
        savings,
        saved);
  }

  @Override
  public String toString() {
    return "NodeCacheStatus{"
        + "observedGeneration="
        + observedGeneration
        + ", "
        + "conditions="
        + conditions
        + ", "
        + "lastSyncTime="
        + lastSyncTime
        + ", "
        + "agentVersion="
        + agentVersion
        + ", "
        + "layers="
        + layers
        + ", "
        + "workspaces="
        + workspaces
        + ", "
        + "readyLayers="
        + readyLayers
        + ", "
        + "disk="
        + disk
        + ", "
        + "diskUsage="
        + diskUsage
        + ", "
        + "savings="
        + savings
        + ", "
        + "saved="
        + saved
        + ", wasted="
        + wasted
        + ", containerdSaved="
        + containerdSaved
        + "}";
  }
}
