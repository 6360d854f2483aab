package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/** State of one workspace on a node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class WorkspaceStatus {

  @JsonPropertyDescription("uid of the workspace, as in spec.workspaces.")
  private String uid;

  @JsonPropertyDescription("Mounted, Failed or Removed.")
  private WorkspaceState state;

  @JsonPropertyDescription("Path of the merged view.")
  private String mergedPath;

  @JsonPropertyDescription("Path of the upper layer.")
  private String upperPath;

  @JsonPropertyDescription("Path of overlayfs's work directory.")
  private String workPath;

  @JsonPropertyDescription("Unpacked size in bytes of the workspace's lower layers.")
  private Long lowerBytes;

  @JsonPropertyDescription("Size in bytes of the upper layer.")
  private Long upperBytes;

  @JsonPropertyDescription("The latest commit of the upper layer.")
  private CommitStatus committed;

  @JsonPropertyDescription("Why the workspace failed, when Failed.")
  private String message;

  @JsonPropertyDescription(
      "UIDs of the pods whose workspace.layercache.dev volumes show this workspace now.")
  private List<String> pods;

  public List<String> getPods() {
    return pods;
  }

  public void setPods(List<String> pods) {
    this.pods = pods;
  }

  public String getUid() {
    return uid;
  }

  public void setUid(String uid) {
    this.uid = uid;
  }

  public WorkspaceState getState() {
    return state;
  }

  public void setState(WorkspaceState state) {
    this.state = state;
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

  public CommitStatus getCommitted() {
    return committed;
  }

  public void setCommitted(CommitStatus committed) {
    this.committed = committed;
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
    WorkspaceStatus other = (WorkspaceStatus) o;
    return Objects.equals(uid, other.uid)
        && Objects.equals(state, other.state)
        && Objects.equals(mergedPath, other.mergedPath)
        && Objects.equals(upperPath, other.upperPath)
        && Objects.equals(workPath, other.workPath)
        && Objects.equals(lowerBytes, other.lowerBytes)
        && Objects.equals(upperBytes, other.upperBytes)
        && Objects.equals(committed, other.committed)
        && Objects.equals(message, other.message)
        && Objects.equals(pods, other.pods);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        uid,
        state,
        mergedPath,
        upperPath,
        workPath,
        lowerBytes,
        upperBytes,
        committed,
        message,
        pods);
  }

  @Override
  public String toString() {
    return "WorkspaceStatus{"
        + "uid="
        + uid
        + ", "
        + "state="
        + state
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
        + "committed="
        + committed
        + ", "
        + "message="
        + message
        + ", "
        + "pods="
        + pods
        + "}";
  }
}
