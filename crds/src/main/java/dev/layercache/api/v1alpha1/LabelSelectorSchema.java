package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** Schema of fabric8's {@code LabelSelector} with descriptions and operator rules. */
class LabelSelectorSchema {
  @JsonPropertyDescription("Labels a node must have, as key: value pairs (all must match).")
  public Map<String, String> matchLabels;

  @Size(max = 32)
  @JsonPropertyDescription("Label expressions a node must satisfy (all must match).")
  public List<Requirement> matchExpressions;

  @ValidationRule(
      value =
          "self.operator in ['In', 'NotIn'] ? has(self.values) && size(self.values) > 0"
              + " : !has(self.values) || size(self.values) == 0",
      message = "In and NotIn need values; Exists and DoesNotExist take none")
  static class Requirement {
    @Required
    @JsonPropertyDescription("Label key.")
    public String key;

    @Required
    @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
    public Operator operator;

    @Size(max = 64)
    @JsonPropertyDescription("Label values: one or more for In and NotIn, none otherwise.")
    public List<String> values;
  }

  enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist
  }
}
