package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A reference to a Secret of type kubernetes.io/dockerconfigjson in a named namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SecretRef {
  @Required
  @Pattern(Patterns.DNS_SUBDOMAIN)
  @Size(max = 253)
  @JsonPropertyDescription("Name of the Secret.")
  private String name;

  @Required
  @Pattern(Patterns.DNS_LABEL)
  @Size(max = 63)
  @JsonPropertyDescription("Namespace of the Secret.")
  private String namespace;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (o == null || getClass() != o.getClass()) return false;
    SecretRef other = (SecretRef) o;
    return Objects.equals(name, other.name) && Objects.equals(namespace, other.namespace);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, namespace);
  }

  @Override
  public String toString() {
    return "SecretRef{" + "name=" + name + ", " + "namespace=" + namespace + "}";
  }
}
