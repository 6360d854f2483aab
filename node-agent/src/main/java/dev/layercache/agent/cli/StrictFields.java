package dev.layercache.agent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the fields of an object that its CRD's schema does not know, at any depth, as {@code
 * kubectl apply --validate=strict} does: a typo such as {@code sizeLimt} must not silently mean "no
 * limit". The schemas are the CRDs the crds module generates, read from the classpath: one source.
 */
final class StrictFields {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> TOP = Set.of("apiVersion", "kind", "metadata");
  private static final Set<String> METADATA =
      Set.of(
          "name",
          "namespace",
          "labels",
          "annotations",
          "uid",
          "resourceVersion",
          "generation",
          "generateName",
          "creationTimestamp",
          "deletionTimestamp",
          "deletionGracePeriodSeconds",
          "finalizers",
          "ownerReferences",
          "managedFields",
          "selfLink");
  private static final Map<String, JsonNode> SCHEMAS = new ConcurrentHashMap<>();

  private StrictFields() {}

  /** Problems such as {@code spec.upper.sizeLimt: unknown field (did you mean sizeLimit?)}. */
  static List<String> unknown(JsonNode doc, String plural) {
    List<String> problems = new ArrayList<>();
    JsonNode schema = SCHEMAS.computeIfAbsent(plural, StrictFields::load);
    for (Iterator<String> names = doc.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (name.equals("metadata")) {
        checkNames(doc.get(name), METADATA, "metadata", problems);
      } else if (!TOP.contains(name)) {
        walk(doc.get(name), schema.path("properties").path(name), name, problems, schema);
      }
    }
    return problems;
  }

  private static void walk(
      JsonNode value, JsonNode schema, String path, List<String> problems, JsonNode parent) {
    if (schema.isMissingNode()) {
      problems.add(path + ": unknown field" + suggestion(leaf(path), parent.path("properties")));
      return;
    }
    if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      return;
    }
    if (value.isObject()) {
      JsonNode properties = schema.path("properties");
      JsonNode additional = schema.path("additionalProperties");
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String child = path + "." + field.getKey();
        if (properties.has(field.getKey())) {
          walk(field.getValue(), properties.get(field.getKey()), child, problems, schema);
        } else if (additional.isObject()) {
          walk(field.getValue(), additional, child, problems, schema);
        } else if (properties.isObject()) {
          problems.add(child + ": unknown field" + suggestion(field.getKey(), properties));
        }
      }
    } else if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        walk(value.get(i), schema.get("items"), path + "[" + i + "]", problems, schema);
      }
    }
  }

  private static void checkNames(
      JsonNode object, Set<String> known, String path, List<String> problems) {
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        problems.add(path + "." + name + ": unknown field");
      }
    }
  }

  private static String leaf(String path) {
    return path.substring(path.lastIndexOf('.') + 1);
  }

  /** The known field nearest to a misspelt one, if it is near (at most two edits). */
  private static String suggestion(String name, JsonNode properties) {
    String best = null;
    int bestDistance = 3;
    for (Iterator<String> names = properties.fieldNames(); names.hasNext(); ) {
      String known = names.next();
      int d = distance(name.toLowerCase(), known.toLowerCase());
      if (d < bestDistance) {
        best = known;
        bestDistance = d;
      }
    }
    return best == null ? "" : " (did you mean " + best + "?)";
  }

  private static int distance(String a, String b) {
    int[] row = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      row[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int diagonal = row[0];
      row[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int up = row[j];
        row[j] =
            Math.min(
                Math.min(row[j] + 1, row[j - 1] + 1),
                diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
        diagonal = up;
      }
    }
    return row[b.length()];
  }

  private static JsonNode load(String plural) {
    String resource = "/META-INF/fabric8/" + plural + ".layercache.dev-v1.yml";
    try (InputStream in = StrictFields.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the CRD schema " + resource + " is not on the classpath");
      }
      return YAML.readTree(in)
          .path("spec")
          .path("versions")
          .path(0)
          .path("schema")
          .path("openAPIV3Schema");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
