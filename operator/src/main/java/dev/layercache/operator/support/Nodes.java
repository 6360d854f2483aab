package dev.layercache.operator.support;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What the operator reads from a Node: its platform and whether a label selector picks it. */
public final class Nodes {
  public static final String OS_LABEL = "kubernetes.io/os";
  public static final String ARCH_LABEL = "kubernetes.io/arch";

  private Nodes() {}

  /** {@code os/arch} from the well-known labels the kubelet sets; linux/amd64 when unlabelled. */
  public static String platform(Node node) {
    Map<String, String> labels = labels(node);
    return labels.getOrDefault(OS_LABEL, "linux") + "/" + labels.getOrDefault(ARCH_LABEL, "amd64");
  }

  public static Map<String, String> labels(Node node) {
    return Objects.requireNonNullElse(node.getMetadata().getLabels(), Map.of());
  }

  /** Whether two versions of a Node differ in their labels (what selectors and platforms read). */
  public static boolean labelsChanged(Node after, Node before) {
    return !labels(after).equals(labels(before));
  }

  /** Kubernetes label selector semantics: unset or empty selects everything. */
  public static boolean matches(LabelSelector selector, Node node) {
    if (selector == null) {
      return true;
    }
    Map<String, String> labels = labels(node);
    Map<String, String> matchLabels =
        Objects.requireNonNullElse(selector.getMatchLabels(), Map.of());
    for (Map.Entry<String, String> wanted : matchLabels.entrySet()) {
      if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
        return false;
      }
    }
    List<LabelSelectorRequirement> expressions =
        Objects.requireNonNullElse(selector.getMatchExpressions(), List.of());
    return expressions.stream().allMatch(e -> matches(e, labels));
  }

  private static boolean matches(LabelSelectorRequirement requirement, Map<String, String> labels) {
    String value = labels.get(requirement.getKey());
    List<String> values = Objects.requireNonNullElse(requirement.getValues(), List.of());
    return switch (requirement.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      default -> false;
    };
  }
}
