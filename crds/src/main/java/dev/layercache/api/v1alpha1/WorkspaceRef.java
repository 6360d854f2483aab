package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.List;
import java.util.Objects;

/** A workspace the operator wants mounted on a node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class WorkspaceRef {
  @Required
  @JsonPropertyDescription(
      "metadata.uid of the OverlayWorkspace; the node's key for the workspace.")
  private String uid;

  @Required
  @JsonPropertyDescription("Namespace of the OverlayWorkspace; also where its pushSecret lives.")
  private String namespace;

  @Required
  @JsonPropertyDescription("Name of the OverlayWorkspace.")
  private String name;

  @JsonPropertyDescription(
      "The workspace's image reference, for display and as the base of a commit.")
  private String image;

  @Required
  @JsonPropertyDescription(
      "diffIDs of the image's layers, base layer first; each is listed in spec.layers.")
  private List<@Pattern(Patterns.DIGEST) String> lowers;

  @JsonPropertyDescription("The upper layer's reclaim policy and size limit.")
  private UpperLayerSpec upper;

  @JsonPropertyDescription("Mount options of the merged view.")
  private MountOptions mount;

  @JsonPropertyDescription("When set, commit the upper layer to this image once.")
  private CommitSpec commit;

  public String getUid() {
    return uid;
  }

  public void setUid(String uid) {
    this.uid = uid;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public List<String> getLowers() {
    return lowers;
  }

  public void setLowers(List<String> lowers) {
    this.lowers = lowers;
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
    WorkspaceRef other = (WorkspaceRef) o;
    return Objects.equals(uid, other.uid)
        && Objects.equals(namespace, other.namespace)
        && Objects.equals(name, other.name)
        && Objects.equals(image, other.image)
        && Objects.equals(lowers, other.lowers)
        && Objects.equals(upper, other.upper)
        && Objects.equals(mount, other.mount)
        && Objects.equals(commit, other.commit);
  }

  @Override
  public int hashCode() {
    return Objects.hash(uid, namespace, name, image, lowers, upper, mount, commit);
  }

  @Override
  public String toString() {
    return "WorkspaceRef{"
        + "uid="
        + uid
        + ", "
        + "namespace="
        + namespace
        + ", "
        + "name="
        + name
        + ", "
        + "image="
        + image
        + ", "
        + "lowers="
        + lowers
        + ", "
        + "upper="
        + upper
        + ", "
        + "mount="
        + mount
        + ", "
        + "commit="
        + commit
        + "}";
  }
}
