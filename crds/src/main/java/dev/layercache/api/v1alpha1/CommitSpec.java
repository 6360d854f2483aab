package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** A request to push a workspace's upper layer as a new image layer on top of its base image. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class CommitSpec {
  @Required
  @Pattern(Patterns.IMAGE_REFERENCE)
  @Size(max = Patterns.IMAGE_REFERENCE_MAX_LENGTH)
  @ValidationRule(
      value = "!self.contains('@')",
      message = "commit.image must be a tag reference, not a digest")
  @JsonPropertyDescription(
      "Tag reference to push the new image to, e.g. registry.example/team/snap:1. Setting or changing it commits the upper layer once.")
  private String image;

  @JsonPropertyDescription(
      "Secret of type kubernetes.io/dockerconfigjson with push credentials for the target registry, in the workspace's namespace.")
  private LocalSecretRef pushSecret;

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public LocalSecretRef getPushSecret() {
    return pushSecret;
  }

  public void setPushSecret(LocalSecretRef pushSecret) {
    this.pushSecret = pushSecret;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    CommitSpec other = (CommitSpec) o;
    return Objects.equals(image, other.image) && Objects.equals(pushSecret, other.pushSecret);
  }

  @Override
  public int hashCode() {
    return Objects.hash(image, pushSecret);
  }

  @Override
  public String toString() {
    return "CommitSpec{" + "image=" + image + ", " + "pushSecret=" + pushSecret + "}";
  }
}
