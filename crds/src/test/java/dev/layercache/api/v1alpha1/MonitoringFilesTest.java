package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.MonitoringQueries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/monitoring's alerts and dashboard parse, and their PromQL parses for Prometheus: Debian's
 * promtool checks the alert rules, and every dashboard query as a recording rule. Which metrics
 * they read is checked against the real registries in AgentMetricsTest and MetricsIT.
 */
class MonitoringFilesTest {
  private static final YAMLMapper YAML = new YAMLMapper();

  @Test
  void rulesAndDashboardQueriesPassPromtool(@TempDir Path dir) throws IOException {
    Path promtool =
        Stream.of("/usr/bin/promtool", "/usr/local/bin/promtool")
            .map(Path::of)
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    if (promtool == null) {
      String message = "promtool is missing; apt-get install prometheus (scripts/test.sh does)";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(message);
      }
      Assumptions.abort(message);
    }
    JsonNode rule = YAML.readTree(MonitoringQueries.DIR.resolve("prometheusrule.yaml").toFile());
    assertThat(rule.path("kind").asText()).isEqualTo("PrometheusRule");
    Path alerts = dir.resolve("alerts.yaml");
    YAML.writeValue(alerts.toFile(), rule.path("spec"));

    JsonNode dashboard =
        new ObjectMapper()
            .readTree(MonitoringQueries.DIR.resolve("layercache-dashboard.json").toFile());
    assertThat(dashboard.path("panels").size()).isGreaterThan(10);
    ObjectNode panels = YAML.createObjectNode();
    ArrayNode group =
        panels.putArray("groups").addObject().put("name", "dashboard").putArray("rules");
    List<JsonNode> exprs = dashboard.findValues("expr");
    for (int i = 0; i < exprs.size(); i++) {
      group.addObject().put("record", "dashboard:query_" + i).put("expr", exprs.get(i).asText());
    }
    Path queries = dir.resolve("dashboard.yaml");
    YAML.writeValue(queries.toFile(), panels);

    String out =
        KubeControlPlane.run(
            List.of(promtool.toString(), "check", "rules", alerts.toString(), queries.toString()),
            60);
    assertThat(out)
        .contains("SUCCESS: " + rule.at("/spec/groups/0/rules").size() + " rules found")
        .contains("SUCCESS: " + exprs.size() + " rules found");
  }

  @Test
  void aBrokenQueryFailsPromtool(@TempDir Path dir) throws IOException {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")), "no promtool");
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(
        broken, "groups:\n- name: x\n  rules:\n  - record: x:y\n    expr: sum(rate(a[5m])\n");
    assertThatThrownBy(
            () ->
                KubeControlPlane.run(
                    List.of("/usr/bin/promtool", "check", "rules", broken.toString()), 60))
        .hasMessageContaining("FAILED");
  }
}
