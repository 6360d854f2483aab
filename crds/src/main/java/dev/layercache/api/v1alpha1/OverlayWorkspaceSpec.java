package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;
import java.util.Objects;

/** What an OverlayWorkspace asks for: a writable overlay of one image on one node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(
    value = "!has(self.nodeName) || !has(self.nodeSelector)",
    message = "set nodeName or nodeSelector, not both")
@ValidationRule(
    value = "!has(oldSelf.nodeName) || (has(self.nodeName) && self.nodeName == oldSelf.nodeName)",
    message = "nodeName is immutable once set")
public class OverlayWorkspaceSpec {
  @Required
  @Pattern(Patterns.IMAGE_REFERENCE)
  @Size(max = Patterns.IMAGE_REFERENCE_MAX_LENGTH)
  @ValidationRule(
      value = "self == oldSelf",
      message = "image is immutable; create a new workspace for another image")
  @JsonPropertyDescription(
      "Image whose layers form the read-only lower layers, as a tag or digest reference. Immutable.")
  private String image;

  @Pattern(Patterns.DNS_SUBDOMAIN)
  @Size(max = 253)
  @JsonPropertyDescription(
      "Node to mount the workspace on. Unset: the operator picks an eligible node, preferring the one that already holds most of the image's bytes. Immutable once set; exclusive with nodeSelector.")
  private String nodeName;

  @SchemaFrom(type = LabelSelectorSchema.class)
  @JsonPropertyDescription("Nodes eligible to host the workspace when nodeName is unset.")
  private LabelSelector nodeSelector;

  @Size(max = 16)
  @JsonPropertyDescription(
      "Secrets of type kubernetes.io/dockerconfigjson in the workspace's namespace, with credentials for the image's registry.")
  private List<LocalSecretRef> pullSecrets;

  // The rule sits here, not on UpperLayerSpec.sizeLimit, so that NodeCache's copies of it carry no
  // rule: the API server bounds the cost of a rule on a string it cannot bound (an int-or-string
  // has no maxLength here) only for a single value, not for each of a node's workspaces.
  @ValidationRule(
      value =
          "!has(self.sizeLimit) || (type(self.sizeLimit) == int ? self.sizeLimit >= 0"
              + " : self.sizeLimit.matches(r'"
              + Patterns.QUANTITY
              + "'))",
      message = "sizeLimit must be a byte quantity such as 512Mi or 10Gi")
  @JsonPropertyDescription("The writable upper layer: reclaim policy and size limit.")
  private UpperLayerSpec upper;

  @JsonPropertyDescription("Mount options of the merged view. Unset: nosuid and nodev.")
  private MountOptions mount;

  @Min(0)
  @JsonPropertyDescription(
      "When above 0, the operator deletes the workspace this many seconds after it became Ready. Unset or 0: never.")
  private Long ttlSecondsAfterReady;

  @JsonPropertyDescription(
      "When set, the upper layer is committed as a new layer on top of the image and pushed to commit.image.")
  private CommitSpec commit;

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public LabelSelector getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(LabelSelector nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<LocalSecretRef> getPullSecrets() {
    return pullSecrets;
  }

  public void setPullSecrets(List<LocalSecretRef> pullSecrets) {
    this.pullSecrets = pullSecrets;
  }

  public UpperLayerSpec getUpper() {
    return upper;
  }

  public void setUpper(UpperLayerSpec upper) {
    this.upper = upper;
  }

  public MountOptions getMount() {
    return mount;
  }

  public void setMount(MountOptions mount) {
    this.mount = mount;
  }

  public Long getTtlSecondsAfterReady() {
    return ttlSecondsAfterReady;
  }

  public void setTtlSecondsAfterReady(Long ttlSecondsAfterReady) {
    this.ttlSecondsAfterReady = ttlSecondsAfterReady;
  }

  public CommitSpec getCommit() {
    return commit;
  }

  public void setCommit(CommitSpec commit) {
    this.commit = commit;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    OverlayWorkspaceSpec other = (OverlayWorkspaceSpec) o;
    return Objects.equals(image, other.image)
        && Objects.equals(nodeName, other.nodeName)
        && Objects.equals(nodeSelector, other.nodeSelector)
        && Objects.equals(pullSecrets, other.pullSecrets)
        && Objects.equals(upper, other.upper)
        && Objects.equals(mount, other.mount)
        && Objects.equals(ttlSecondsAfterReady, other.ttlSecondsAfterReady)
        && Objects.equals(commit, other.commit);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        image, nodeName, nodeSelector, pullSecrets, upper, mount, ttlSecondsAfterReady, commit);
  }

  @Override
  public String toString() {
    return "OverlayWorkspaceSpec{"
        + "image="
        + image
        + ", "
        + "nodeName="
        + nodeName
        + ", "
        + "nodeSelector="
        + nodeSelector
        + ", "
        + "pullSecrets="
        + pullSecrets
        + ", "
        + "upper="
        + upper
        + ", "
        + "mount="
        + mount
        + ", "
        + "ttlSecondsAfterReady="
        + ttlSecondsAfterReady
        + ", "
        + "commit="
        + commit
        + "}";
  }
}
