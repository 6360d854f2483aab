package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Objects;

/** What the operator wants on one node: layers and workspaces. Written by the operator only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class NodeCacheSpec {
  /**
   * Bounds the list so that the API server can bound the cost of the CEL rules on its items (it
   * refuses the CRD otherwise); the object's size limit in etcd (1.5 MiB) binds near there anyway.
   */
  public static final int MAX_WORKSPACES = 4096;

  @JsonPropertyDescription("Layers the node must hold.")
  private List<LayerRef> layers;

  @JsonPropertyDescription(
      "Images whose layers the node caches, resolved for its platform. The agent records them so"
          + " that `layercache images` on the node and the savings in status count whole images.")
  private List<ResolvedImage> images;

  @JsonPropertyDescription(
      "Workspaces the node must have mounted. A workspace missing from this list is unmounted.")
  @Size(max = MAX_WORKSPACES)
  private List<WorkspaceRef> workspaces;

  public List<LayerRef> getLayers() {
    return layers;
  }

  public void setLayers(List<LayerRef> layers) {
    this.layers = layers;
  }

  public List<ResolvedImage> getImages() {
    return images;
  }

  public void setImages(List<ResolvedImage> images) {
    this.images = images;
  }

  public List<WorkspaceRef> getWorkspaces() {
    return workspaces;
  }

  public void setWorkspaces(List<WorkspaceRef> workspaces) {
    this.workspaces = workspaces;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    NodeCacheSpec other = (NodeCacheSpec) o;
    return Objects.equals(layers, other.layers)
        && Objects.equals(images, other.images)
        && Objects.equals(workspaces, other.workspaces);
  }

  @Override
  public int hashCode() {
    return Objects.hash(layers, images, workspaces);
  }

  @Override
  public String toString() {
    return "NodeCacheSpec{layers="
        + layers
        + ", images="
        + images
        + ", workspaces="
        + workspaces
        + "}";
  }
}
