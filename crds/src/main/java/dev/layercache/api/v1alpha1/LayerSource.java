package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.List;
import java.util.Objects;

/** A repository a layer can be fetched from. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class LayerSource {
  @Required
  @Pattern(Patterns.REGISTRY)
  @JsonPropertyDescription(
      "Registry host, optionally with a port, as in the image reference (docker.io, localhost:5000).")
  private String registry;

  @Required
  @Pattern(Patterns.REPOSITORY)
  @JsonPropertyDescription("Repository within the registry (library/python).")
  private String repository;

  @JsonPropertyDescription(
      "Secrets of type kubernetes.io/dockerconfigjson with credentials for this registry.")
  private List<SecretRef> pullSecrets;

  public String getRegistry() {
    return registry;
  }

  public void setRegistry(String registry) {
    this.registry = registry;
  }

  public String getRepository() {
    return repository;
  }

  public void setRepository(String repository) {
    this.repository = repository;
  }

  public List<SecretRef> getPullSecrets() {
    return pullSecrets;
  }

  public void setPullSecrets(List<SecretRef> pullSecrets) {
    this.pullSecrets = pullSecrets;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    LayerSource other = (LayerSource) o;
    return Objects.equals(registry, other.registry)
        && Objects.equals(repository, other.repository)
        && Objects.equals(pullSecrets, other.pullSecrets);
  }

  @Override
  public int hashCode() {
    return Objects.hash(registry, repository, pullSecrets);
  }

  @Override
  public String toString() {
    return "LayerSource{"
        + "registry="
        + registry
        + ", "
        + "repository="
        + repository
        + ", "
        + "pullSecrets="
        + pullSecrets
        + "}";
  }
}
