package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The outcome of the latest commit of an upper layer. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class CommitStatus {

  @JsonPropertyDescription(
      "The reference the upper layer was committed to (spec.commit.image at the time).")
  private String image;

  @JsonPropertyDescription("Pushing, Pushed or Failed.")
  private CommitState state;

  @JsonPropertyDescription("Digest of the pushed image manifest, once Pushed.")
  private String digest;

  @JsonPropertyDescription("Why the commit failed, when Failed.")
  private String message;

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public CommitState getState() {
    return state;
  }

  public void setState(CommitState state) {
    this.state = state;
  }

  public String getDigest() {
    return digest;
  }

  public void setDigest(String digest) {
    this.digest = digest;
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
    CommitStatus other = (CommitStatus) o;
    return Objects.equals(image, other.image)
        && Objects.equals(state, other.state)
        && Objects.equals(digest, other.digest)
        && Objects.equals(message, other.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(image, state, digest, message);
  }

  @Override
  public String toString() {
    return "CommitStatus{"
        + "image="
        + image
        + ", "
        + "state="
        + state
        + ", "
        + "digest="
        + digest
        + ", "
        + "message="
        + message
        + "}";
  }
}
