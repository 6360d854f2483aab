package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs the committed CRDs' CEL rules ({@code x-kubernetes-validations}) with the CEL reference
 * implementation, as an API server would on create and update: no API server can run here, and the
 * fabric8 mock does not evaluate them.
 */
class CelRulesTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .build();
  static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  /** A rule that does not hold, and where. */
  record Violation(String path, String message) {}

  @Test
  void everyRuleCompiles() throws Exception {
    List<String> rules = new ArrayList<>();
    for (JsonNode crd : crds().values()) {
      collectRules(schema(crd), rules);
    }
    assertThat(rules).hasSizeGreaterThanOrEqualTo(6);
    for (String rule : rules) {
      assertThat(COMPILER.compile(rule).getAst()).as(rule).isNotNull();
    }
  }

  @Test
  void everyExampleSatisfiesEveryRule() throws Exception {
    Map<String, JsonNode> crds = crds();
    try (Stream<Path> files = Files.walk(ProjectFiles.EXAMPLES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        for (JsonNode object :
            YAML.readValues(YAML.createParser(file.toFile()), JsonNode.class).readAll()) {
          JsonNode crd = crds.get(object.path("kind").asText());
          assertThat(violations(crd, object, null)).as(file.toString()).isEmpty();
        }
      }
    }
  }

  @Test
  void brokenObjectsAreRejectedWithTheRulesMessage() throws Exception {
    JsonNode workspaceCrd = crds().get("OverlayWorkspace");
    ObjectNode both =
        (ObjectNode)
            YAML.readTree(
                """
                kind: OverlayWorkspace
                spec:
                  image: busybox:1
                  nodeName: worker-1
                  nodeSelector: {matchLabels: {pool: build}}
                  upper: {sizeLimit: ten-gigs}
                  commit: {image: "registry.example/snap@sha256:%s"}
                """
                    .formatted("a".repeat(64)));
    assertThat(violations(workspaceCrd, both, null))
        .extracting(Violation::message)
        .containsExactlyInAnyOrder(
            "set nodeName or nodeSelector, not both",
            "sizeLimit must be a byte quantity such as 512Mi or 10Gi",
            "commit.image must be a tag reference, not a digest");

    JsonNode before =
        YAML.readTree("kind: OverlayWorkspace\nspec: {image: busybox:1, nodeName: a}");
    JsonNode after = YAML.readTree("kind: OverlayWorkspace\nspec: {image: busybox:2, nodeName: b}");
    assertThat(violations(workspaceCrd, after, before))
        .extracting(Violation::message)
        .containsExactlyInAnyOrder(
            "image is immutable; create a new workspace for another image",
            "nodeName is immutable once set");
    assertThat(violations(workspaceCrd, before, before)).isEmpty();

    JsonNode selector =
        YAML.readTree(
            """
            kind: LayerCache
            spec:
              images: [busybox:1]
              nodeSelector:
                matchExpressions: [{key: pool, operator: In}]
            """);
    assertThat(violations(crds().get("LayerCache"), selector, null))
        .extracting(Violation::message)
        .containsExactly("In and NotIn need values; Exists and DoesNotExist take none");
  }

  /** Evaluates every rule on the object ({@code old} for transition rules, null on create). */
  static List<Violation> violations(JsonNode crd, JsonNode object, JsonNode old) throws Exception {
    List<Violation> found = new ArrayList<>();
    JsonNode schema = schema(crd);
    for (String part : List.of("spec", "status")) {
      if (object.has(part)) {
        check(
            schema.path("properties").path(part),
            object.get(part),
            old == null ? null : old.get(part),
            part,
            found);
      }
    }
    return found;
  }

  private static void check(
      JsonNode schema, JsonNode value, JsonNode old, String path, List<Violation> found)
      throws Exception {
    for (JsonNode validation : schema.path("x-kubernetes-validations")) {
      String rule = validation.get("rule").asText();
      boolean transition = rule.contains("oldSelf");
      if (transition && old == null) {
        continue; // the API server runs transition rules on update only
      }
      Map<String, Object> vars = new HashMap<>();
      vars.put("self", plain(value));
      if (transition) {
        vars.put("oldSelf", plain(old));
      }
      Object result = RUNTIME.createProgram(COMPILER.compile(rule).getAst()).eval(vars);
      if (!Boolean.TRUE.equals(result)) {
        found.add(new Violation(path, validation.get("message").asText()));
      }
    }
    if (value.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        JsonNode child = schema.path("properties").path(field.getKey());
        if (child.isMissingNode()) {
          child = schema.path("additionalProperties");
        }
        if (!child.isMissingNode()) {
          check(
              child,
              field.getValue(),
              old == null ? null : old.get(field.getKey()),
              path + "." + field.getKey(),
              found);
        }
      }
    } else if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        check(schema.path("items"), value.get(i), null, path + "[" + i + "]", found);
      }
    }
  }

  /** JSON as CEL sees it: maps, lists, int64, double, string, bool. */
  private static Object plain(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), plain(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(e -> list.add(plain(e)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    return node.asText();
  }

  private static void collectRules(JsonNode schema, List<String> rules) {
    if (schema.isMissingNode()) {
      return;
    }
    schema.path("x-kubernetes-validations").forEach(v -> rules.add(v.get("rule").asText()));
    schema.path("properties").forEach(child -> collectRules(child, rules));
    collectRules(schema.path("items"), rules);
    collectRules(schema.path("additionalProperties"), rules);
  }

  private static JsonNode schema(JsonNode crd) {
    return crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema");
  }

  /** The committed CRDs by kind. */
  static Map<String, JsonNode> crds() throws IOException {
    Map<String, JsonNode> byKind = new HashMap<>();
    try (Stream<Path> files = Files.list(ProjectFiles.CRDS_MODULE)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        JsonNode crd = YAML.readTree(file.toFile());
        byKind.put(crd.path("spec").path("names").path("kind").asText(), crd);
      }
    }
    return byKind;
  }
}
