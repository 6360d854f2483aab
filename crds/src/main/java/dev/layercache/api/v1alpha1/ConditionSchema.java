package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Schema of fabric8's {@code Condition} with descriptions, for {@code kubectl explain}. */
class ConditionSchema {
  @Required
  @JsonPropertyDescription("Type of the condition in CamelCase, e.g. Ready.")
  public String type;

  @Required
  @JsonPropertyDescription("True, False or Unknown.")
  public ConditionStatus status;

  @JsonPropertyDescription("Machine-readable reason for the last transition, in CamelCase.")
  public String reason;

  @JsonPropertyDescription("Human-readable details of the last transition.")
  public String message;

  @JsonPropertyDescription("When the status last changed (RFC 3339).")
  public String lastTransitionTime;

  @JsonPropertyDescription("The metadata.generation the condition was set from.")
  public Long observedGeneration;

  enum ConditionStatus {
    True,
    False,
    Unknown
  }
}
