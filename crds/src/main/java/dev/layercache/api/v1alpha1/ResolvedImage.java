package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import java.util.List;
import java.util.Objects;

/** An image reference resolved to one platform's manifest and layers. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class ResolvedImage {

  @JsonPropertyDescription("The reference as written in spec.images.")
  private String image;

  @Pattern(Patterns.DIGEST)
  @JsonPropertyDescription(
      "Digest of the platform-specific image manifest the reference resolved to.")
  private String digest;

  @JsonPropertyDescription("Platform of this manifest, os/arch or os/arch/variant.")
  private String platform;

  @JsonPropertyDescription("Layers of the image, base layer first.")
  private List<Layer> layers;

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getDigest() {
    return digest;
  }

  public void setDigest(String digest) {
    this.digest = digest;
  }

  public String getPlatform() {
    return platform;
  }

  public void setPlatform(String platform) {
    this.platform = platform;
  }

  public List<Layer> getLayers() {
    return layers;
  }

  public void setLayers(List<Layer> layers) {
    this.layers = layers;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    ResolvedImage other = (ResolvedImage) o;
    return Objects.equals(image, other.image)
        && Objects.equals(digest, other.digest)
        && Objects.equals(platform, other.platform)
        && Objects.equals(layers, other.layers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(image, digest, platform, layers);
  }

  @Override
  public String toString() {
    return "ResolvedImage{"
        + "image="
        + image
        + ", "
        + "digest="
        + digest
        + ", "
        + "platform="
        + platform
        + ", "
        + "layers="
        + layers
        + "}";
  }
}
