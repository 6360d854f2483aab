package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;
import java.util.Objects;

/** What a LayerCache asks for: which images to keep warm on which nodes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class LayerCacheSpec {
  @Required
  @Size(min = 1, max = 64)
  @JsonPropertyDescription(
      "Images whose layers every selected node keeps warm, as references: tags (docker.io/library/python:3.12-slim, re-resolved every refreshInterval) or digests (ghcr.io/acme/app@sha256:...). Names without a registry mean docker.io, as in Docker.")
  private List<
          @Pattern(Patterns.IMAGE_REFERENCE) @Size(max = Patterns.IMAGE_REFERENCE_MAX_LENGTH)
          String>
      images;

  @SchemaFrom(type = LabelSelectorSchema.class)
  @JsonPropertyDescription("Nodes that keep the layers. Unset or empty selects every node.")
  private LabelSelector nodeSelector;

  @Size(max = 16)
  @JsonPropertyDescription(
      "Platforms to cache, as os/arch or os/arch/variant (linux/amd64, linux/arm64/v8). Empty: each node caches its own platform, read from its kubernetes.io/os and kubernetes.io/arch labels.")
  private List<@Pattern(Patterns.PLATFORM) String> platforms;

  @Size(max = 16)
  @JsonPropertyDescription(
      "Secrets of type kubernetes.io/dockerconfigjson with credentials for the registries of these images. The LayerCache is cluster-scoped, so each reference names its namespace.")
  private List<SecretRef> pullSecrets;

  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription(
      "How often tags are re-resolved; when a tag has moved, the new layers roll out to the nodes. A Go duration such as 30m, 1h or 1h30m. Unset: 1h. 0s: resolve once and never again.")
  private String refreshInterval;

  @Min(0)
  @JsonPropertyDescription(
      "How many nodes may pull at the same time (the rollout wave). Unset or 0: all selected nodes at once.")
  private Integer maxConcurrentNodes;

  public List<String> getImages() {
    return images;
  }

  public void setImages(List<String> images) {
    this.images = images;
  }

  public LabelSelector getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(LabelSelector nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<String> getPlatforms() {
    return platforms;
  }

  public void setPlatforms(List<String> platforms) {
    this.platforms = platforms;
  }

  public List<SecretRef> getPullSecrets() {
    return pullSecrets;
  }

  public void setPullSecrets(List<SecretRef> pullSecrets) {
    this.pullSecrets = pullSecrets;
  }

  public String getRefreshInterval() {
    return refreshInterval;
  }

  public void setRefreshInterval(String refreshInterval) {
    this.refreshInterval = refreshInterval;
  }

  public Integer getMaxConcurrentNodes() {
    return maxConcurrentNodes;
  }

  public void setMaxConcurrentNodes(Integer maxConcurrentNodes) {
    this.maxConcurrentNodes = maxConcurrentNodes;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    LayerCacheSpec other = (LayerCacheSpec) o;
    return Objects.equals(images, other.images)
        && Objects.equals(nodeSelector, other.nodeSelector)
        && Objects.equals(platforms, other.platforms)
        && Objects.equals(pullSecrets, other.pullSecrets)
        && Objects.equals(refreshInterval, other.refreshInterval)
        && Objects.equals(maxConcurrentNodes, other.maxConcurrentNodes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        images, nodeSelector, platforms, pullSecrets, refreshInterval, maxConcurrentNodes);
  }

  @Override
  public String toString() {
    return "LayerCacheSpec{"
        + "images="
        + images
        + ", "
        + "nodeSelector="
        + nodeSelector
        + ", "
        + "platforms="
        + platforms
        + ", "
        + "pullSecrets="
        + pullSecrets
        + ", "
        + "refreshInterval="
        + refreshInterval
        + ", "
        + "maxConcurrentNodes="
        + maxConcurrentNodes
        + "}";
  }
}
