package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What `kubectl apply -f crds/` installs: names, columns, descriptions and validation rules. */
class CrdSchemaTest {

  private static final YAMLMapper YAML = new YAMLMapper();

  @Test
  void namesScopeAndSubresources() throws IOException {
    Map<String, List<String>> expected =
        Map.of(
            "layercaches", List.of("LayerCache", "Cluster", "lc"),
            "overlayworkspaces", List.of("OverlayWorkspace", "Namespaced", "ows"),
            "nodecaches", List.of("NodeCache", "Cluster", "nc"));
    expected.forEach(
        (plural, kindScopeShort) -> {
          JsonNode spec = crd(plural).get("spec");
          assertThat(spec.at("/group").asText()).isEqualTo("layercache.dev");
          assertThat(spec.at("/names/kind").asText()).isEqualTo(kindScopeShort.get(0));
          assertThat(spec.at("/scope").asText()).isEqualTo(kindScopeShort.get(1));
          assertThat(spec.at("/names/shortNames/0").asText()).isEqualTo(kindScopeShort.get(2));
          JsonNode version = spec.at("/versions/0");
          assertThat(version.at("/name").asText()).isEqualTo("v1alpha1");
          assertThat(version.at("/subresources/status").isObject()).isTrue();
          JsonNode status = version.at("/schema/openAPIV3Schema/properties/status/properties");
          assertThat(status.has("observedGeneration")).as(plural).isTrue();
          assertThat(status.has("conditions")).as(plural).isTrue();
        });
  }

  @Test
  void printerColumnsAnswerTheFirstQuestion() {
    assertThat(columns("layercaches"))
        .containsExactly(
            "Images=.spec.images",
            "Ready=.status.readyNodes",
            "Failed=.status.nodes.failed",
            "Size=.status.size",
            "Age=.metadata.creationTimestamp");
    assertThat(columns("overlayworkspaces"))
        .containsExactly(
            "Phase=.status.phase",
            "Node=.status.nodeName",
            "Image=.spec.image",
            "Upper=.status.upperSize",
            "Age=.metadata.creationTimestamp",
            "Merged=.status.mergedPath");
    assertThat(columns("nodecaches"))
        .containsExactly(
            "Ready=.status.conditions[?(@.type==\"Ready\")].status",
            "Layers=.status.readyLayers",
            "Disk=.status.diskUsage",
            "Saved=.status.saved",
            "Age=.metadata.creationTimestamp",
            "Agent=.status.agentVersion",
            "Synced=.status.lastSyncTime",
            "Wasted=.status.wasted",
            "Containerd-Saved=.status.containerdSaved");
  }

  @Test
  void ageIsTheLastColumnOfPlainKubectlGet() {
    for (String plural : List.of("layercaches", "overlayworkspaces", "nodecaches")) {
      List<String> shown = new ArrayList<>();
      crd(plural)
          .at("/spec/versions/0/additionalPrinterColumns")
          .forEach(
              c -> {
                if (c.path("priority").asInt() == 0) {
                  shown.add(c.get("name").asText());
                }
              });
      assertThat(shown).as(plural).hasSizeGreaterThan(1).last().isEqualTo("Age");
    }
  }

  @Test
  void everyFieldHasADescriptionForKubectlExplain() {
    for (String plural : List.of("layercaches", "overlayworkspaces", "nodecaches")) {
      List<String> undescribed = new ArrayList<>();
      collectUndescribed(schema(plural).get("properties"), "", undescribed);
      assertThat(undescribed).as(plural).isEmpty();
    }
  }

  @Test
  void imageReferencesDigestsAndDurationsHavePatterns() {
    JsonNode lc = schema("layercaches").at("/properties/spec/properties");
    assertThat(lc.at("/images/items/pattern").asText()).isEqualTo(Patterns.IMAGE_REFERENCE);
    assertThat(lc.at("/images/minItems").asInt()).isEqualTo(1);
    assertThat(lc.at("/refreshInterval/pattern").asText()).isEqualTo(Patterns.DURATION);
    assertThat(lc.at("/maxConcurrentNodes/minimum").asInt()).isZero();
    assertThat(lc.at("/platforms/items/pattern").asText()).isEqualTo(Patterns.PLATFORM);
    assertThat(schema("layercaches").at("/properties/spec/required/0").asText())
        .isEqualTo("images");

    JsonNode nc = schema("nodecaches").at("/properties/spec/properties");
    assertThat(nc.at("/layers/items/properties/digest/pattern").asText())
        .isEqualTo(Patterns.DIGEST);
    assertThat(nc.at("/layers/items/properties/diffID/pattern").asText())
        .isEqualTo(Patterns.DIGEST);
    assertThat(nc.at("/workspaces/items/properties/lowers/items/pattern").asText())
        .isEqualTo(Patterns.DIGEST);

    JsonNode ows = schema("overlayworkspaces").at("/properties/spec/properties");
    assertThat(ows.at("/image/pattern").asText()).isEqualTo(Patterns.IMAGE_REFERENCE);
    assertThat(ows.at("/upper/properties/reclaimPolicy/enum"))
        .extracting(JsonNode::asText)
        .containsExactly("Delete", "Retain");
    assertThat(ows.at("/nodeName/pattern").asText()).isEqualTo(Patterns.DNS_SUBDOMAIN);
  }

  @Test
  void celRulesCoverWhatPatternsCannot() {
    JsonNode spec = schema("overlayworkspaces").at("/properties/spec");
    assertThat(rules(spec.at("/properties/image"))).containsExactly("self == oldSelf");
    assertThat(rules(spec))
        .containsExactly(
            "!has(self.nodeName) || !has(self.nodeSelector)",
            "!has(oldSelf.nodeName) || (has(self.nodeName) && self.nodeName == oldSelf.nodeName)");
    assertThat(rules(spec.at("/properties/commit/properties/image")))
        .containsExactly("!self.contains('@')");
    assertThat(rules(spec.at("/properties/upper")))
        .containsExactly(
            "!has(self.sizeLimit) || (type(self.sizeLimit) == int ? self.sizeLimit >= 0"
                + " : self.sizeLimit.matches(r'"
                + Patterns.QUANTITY
                + "'))");
    assertThat(rules(spec.at("/properties/nodeSelector/properties/matchExpressions/items")))
        .hasSize(1);
  }

  private static void collectUndescribed(JsonNode properties, String path, List<String> out) {
    properties
        .properties()
        .forEach(
            entry -> {
              String fieldPath = path + "." + entry.getKey();
              JsonNode field = entry.getValue();
              if (field.path("description").asText().isBlank()) {
                out.add(fieldPath);
              }
              if (field.has("properties")) {
                collectUndescribed(field.get("properties"), fieldPath, out);
              }
              if (field.path("items").has("properties")) {
                collectUndescribed(field.get("items").get("properties"), fieldPath + "[]", out);
              }
            });
  }

  private static List<String> columns(String plural) {
    List<String> columns = new ArrayList<>();
    crd(plural)
        .at("/spec/versions/0/additionalPrinterColumns")
        .forEach(c -> columns.add(c.get("name").asText() + "=" + c.get("jsonPath").asText()));
    return columns;
  }

  private static List<String> rules(JsonNode field) {
    List<String> rules = new ArrayList<>();
    field.path("x-kubernetes-validations").forEach(r -> rules.add(r.get("rule").asText()));
    return rules;
  }

  private static JsonNode schema(String plural) {
    return crd(plural).at("/spec/versions/0/schema/openAPIV3Schema");
  }

  private static JsonNode crd(String plural) {
    Path file = ProjectFiles.CRDS_MODULE.resolve(plural + ".layercache.dev.yaml");
    try {
      return YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }
}
