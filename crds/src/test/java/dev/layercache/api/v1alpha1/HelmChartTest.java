package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.layercache.api.testing.KubeControlPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/helm/layercache through the pinned helm (scripts/test-binaries.sh): it lints, renders with
 * default and other values, and with default values renders what {@code kubectl kustomize deploy/}
 * does, but for the labels Helm adds.
 */
class HelmChartTest {
  private static final Path REPO = KubeControlPlane.repoRoot();
  private static final Path CHART = REPO.resolve("deploy/helm/layercache");
  private static final Path MONITORING = REPO.resolve("deploy/monitoring");
  private static final String NAMESPACE = "layercache-system";
  private static final YAMLMapper YAML = new YAMLMapper();

  /** What Helm labels every object with; deploy/ has none of them. */
  private static final Set<String> HELM_LABELS =
      Set.of("helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/instance");

  /**
   * kustomize gives every object without a built-in cluster scope the kustomization's namespace,
   * ValidatingAdmissionPolicies included; the API server ignores it on these kinds.
   */
  private static final Set<String> CLUSTER_SCOPED =
      Set.of(
          "Namespace",
          "CustomResourceDefinition",
          "ClusterRole",
          "ClusterRoleBinding",
          "ValidatingAdmissionPolicy",
          "ValidatingAdmissionPolicyBinding",
          "CSIDriver");

  static final List<String> OTHER_VALUES =
      List.of(
          "createNamespace=false",
          "logLevel=debug",
          "operator.image.tag=1.2.3",
          "operator.replicas=1",
          "operator.secretNamespaces={team-a,team-b}",
          "agent.image.repository=registry.example/layercache/node-agent",
          "agent.storePath=/data/layercache",
          "agent.highWatermark=0.8",
          "agent.nodeSelector.pool=build",
          "agent.priorityClassName=layercache-agent",
          "agent.resources.limits.memory=2Gi",
          "containerd.socketDir=/run/lc",
          "containerd.criSocket=/run/k3s/containerd/containerd.sock",
          "containerd.runtimeHandler=",
          "csi.enabled=false",
          "metrics.serviceMonitor.enabled=true",
          "metrics.prometheusRule.enabled=true",
          "metrics.dashboard.enabled=true");

  private static Path helm;

  @BeforeAll
  static void findHelm() {
    helm = KubeControlPlane.toolsBin().resolve("helm");
    if (!Files.isExecutable(helm)) {
      String message = helm + " is missing; build it with scripts/test-binaries.sh helm (needs Go)";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(message);
      }
      Assumptions.abort(message);
    }
  }

  @Test
  void lintsWithDefaultAndOtherValues() {
    assertThat(helm("lint", "--strict", CHART.toString())).contains("0 chart(s) failed");
    List<String> lint = new ArrayList<>(List.of("lint", "--strict", CHART.toString()));
    OTHER_VALUES.forEach(v -> lint.addAll(List.of("--set", v)));
    assertThat(helm(lint.toArray(String[]::new))).contains("0 chart(s) failed");
  }

  @Test
  void defaultValuesRenderWhatKustomizeRenders() throws IOException {
    String kustomized =
        KubeControlPlane.run(
            List.of(
                KubeControlPlane.kubectl().toString(),
                "kustomize",
                REPO.resolve("deploy").toString()),
            60);
    Map<String, JsonNode> expected = byKindAndName(kustomized);
    Map<String, JsonNode> rendered = byKindAndName(template());
    assertThat(rendered.keySet()).isEqualTo(expected.keySet());
    expected.forEach(
        (key, object) ->
            assertThat(difference(rendered.get(key), object, ""))
                .as("%s: where the chart renders other than deploy/ has", key)
                .isNull());
  }

  @Test
  void otherValuesReachTheObjects() throws IOException {
    Map<String, JsonNode> objects = byKindAndName(template(OTHER_VALUES.toArray(String[]::new)));
    assertThat(objects).doesNotContainKey("Namespace/" + NAMESPACE);
    JsonNode agent = objects.get("DaemonSet/layercache-agent").at("/spec/template/spec");
    JsonNode container = agent.at("/containers/0");
    assertThat(container.path("image").asText())
        .isEqualTo("registry.example/layercache/node-agent:0.1.0-SNAPSHOT");
    assertThat(strings(container.path("args")))
        .containsExactly(
            "--root",
            "/data/layercache",
            "agent",
            "--snapshotter-address=/run/lc/snapshotter.sock",
            "--cri-address=/run/k3s/containerd/containerd.sock",
            "--high-watermark",
            "0.8");
    assertThat(container.at("/volumeMounts/0/mountPath").asText()).isEqualTo("/data/layercache");
    assertThat(agent.at("/volumes/0/hostPath/path").asText()).isEqualTo("/data/layercache");
    assertThat(container.at("/volumeMounts/1/mountPath").asText()).isEqualTo("/run/lc");
    assertThat(agent.at("/volumes/1/hostPath/path").asText()).isEqualTo("/run/lc");
    assertThat(agent.at("/nodeSelector/pool").asText()).isEqualTo("build");
    assertThat(agent.path("priorityClassName").asText()).isEqualTo("layercache-agent");
    assertThat(container.at("/resources/limits/memory").asText()).isEqualTo("2Gi");
    assertThat(env(container, "JAVA_TOOL_OPTIONS"))
        .isEqualTo("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug");

    JsonNode operator = objects.get("Deployment/layercache-operator");
    assertThat(operator.at("/spec/replicas").asInt()).isEqualTo(1);
    JsonNode operatorContainer = operator.at("/spec/template/spec/containers/0");
    assertThat(operatorContainer.path("image").asText()).isEqualTo("layercache/operator:1.2.3");
    assertThat(env(operatorContainer, "LAYERCACHE_SECRET_NAMESPACES")).isEqualTo("team-a,team-b");
    assertThat(env(operatorContainer, "JAVA_TOOL_OPTIONS"))
        .isEqualTo("-XX:MaxRAMPercentage=75 -Dorg.slf4j.simpleLogger.defaultLogLevel=debug");

    assertThat(objects).doesNotContainKey("CSIDriver/workspace.layercache.dev");
    assertThat(agent.path("containers")).hasSize(1);
    assertThat(agent.path("volumes").findValuesAsText("name"))
        .containsExactly("store", "run", "containerd");
    assertThat(agent.at("/volumes/2/hostPath/path").asText()).isEqualTo("/run/k3s/containerd");
    assertThat(container.at("/volumeMounts/2/mountPath").asText()).isEqualTo("/run/k3s/containerd");
    assertThat(objects).containsKey("ServiceMonitor/layercache");
    assertThat(objects.get("PrometheusRule/layercache").path("spec"))
        .isEqualTo(YAML.readTree(MONITORING.resolve("prometheusrule.yaml").toFile()).path("spec"));
    JsonNode dashboard = objects.get("ConfigMap/layercache-dashboard");
    assertThat(dashboard.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
    assertThat(dashboard.at("/data/layercache.json").asText().strip())
        .isEqualTo(Files.readString(MONITORING.resolve("layercache-dashboard.json")).strip());
  }

  /** A kubelet root elsewhere: the plugin's socket and its registration follow it. */
  @Test
  void theCsiPluginFollowsTheKubeletDir() throws IOException {
    JsonNode agent =
        byKindAndName(template("csi.kubeletDir=/data/kubelet"))
            .get("DaemonSet/layercache-agent")
            .at("/spec/template/spec");
    assertThat(strings(agent.at("/containers/0/args")))
        .containsExactly(
            "agent",
            "--snapshotter-address=/run/layercache/snapshotter.sock",
            "--csi-address=/data/kubelet/plugins/workspace.layercache.dev/csi.sock",
            "--kubelet-registration-dir=/data/kubelet/plugins_registry",
            "--cri-address=/run/containerd/containerd.sock",
            "--cri-runtime-handler=layercache");
    assertThat(agent.at("/volumes/2/hostPath/path").asText()).isEqualTo("/data/kubelet");
    assertThat(agent.at("/containers/0/volumeMounts/2/mountPath").asText())
        .isEqualTo("/data/kubelet");
  }

  @Test
  void valuesItCannotHonourFailNamingTheValue() {
    assertThatThrownBy(() -> template("logLevel=loud"))
        .hasMessageContaining("logLevel \"loud\": must be one of trace, debug, info, warn, error");
  }

  /** One source: the chart's copies of the monitoring files are deploy/monitoring's. */
  @Test
  void theChartShipsDeployMonitoringAsIs() throws IOException {
    for (String file : List.of("prometheusrule.yaml", "layercache-dashboard.json")) {
      assertThat(Files.readString(CHART.resolve("files").resolve(file)))
          .as("deploy/helm/layercache/files/%s must be a copy of deploy/monitoring/%s", file, file)
          .isEqualTo(Files.readString(MONITORING.resolve(file)));
    }
  }

  static String template(String... sets) {
    List<String> args =
        new ArrayList<>(
            List.of("template", "layercache", CHART.toString(), "-n", NAMESPACE, "--include-crds"));
    Stream.of(sets).forEach(v -> args.addAll(List.of("--set", v)));
    return helm(args.toArray(String[]::new));
  }

  private static String helm(String... args) {
    List<String> command = new ArrayList<>(List.of(helm.toString()));
    command.addAll(List.of(args));
    return KubeControlPlane.run(command, 60);
  }

  /** kind/name to the object, without Helm's labels and without a namespace where none applies. */
  private static Map<String, JsonNode> byKindAndName(String yaml) throws IOException {
    Map<String, JsonNode> objects = new TreeMap<>();
    try (var parser = YAML.createParser(yaml)) {
      for (JsonNode object : YAML.readValues(parser, JsonNode.class).readAll()) {
        if (object == null || object.isEmpty()) {
          continue;
        }
        ObjectNode metadata = (ObjectNode) object.get("metadata");
        String kind = object.path("kind").asText();
        if (CLUSTER_SCOPED.contains(kind)) {
          metadata.remove("namespace");
        }
        if (metadata.get("labels") instanceof ObjectNode labels) {
          labels.remove(HELM_LABELS);
          if (labels.isEmpty()) {
            metadata.remove("labels");
          }
        }
        JsonNode previous = objects.put(kind + "/" + metadata.path("name").asText(), object);
        assertThat(previous).as("rendered twice: %s %s", kind, metadata.path("name")).isNull();
      }
    }
    return objects;
  }

  /**
   * The first path where {@code actual} differs from {@code expected}, with both values; null when
   * they are the same. Numbers compare by value: kustomize writes the CRDs' {@code minimum: 0.0} as
   * 0, helm installs the files as they are.
   */
  private static String difference(JsonNode actual, JsonNode expected, String path) {
    if (actual != null && expected != null) {
      if (actual.isNumber() && expected.isNumber()) {
        if (actual.decimalValue().compareTo(expected.decimalValue()) == 0) {
          return null;
        }
      } else if (actual.isObject() && expected.isObject()) {
        Set<String> names = new TreeSet<>();
        actual.fieldNames().forEachRemaining(names::add);
        expected.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
          String found = difference(actual.get(name), expected.get(name), path + "/" + name);
          if (found != null) {
            return found;
          }
        }
        return null;
      } else if (actual.isArray() && expected.isArray() && actual.size() == expected.size()) {
        for (int i = 0; i < actual.size(); i++) {
          String found = difference(actual.get(i), expected.get(i), path + "/" + i);
          if (found != null) {
            return found;
          }
        }
        return null;
      } else if (actual.equals(expected)) {
        return null;
      }
    }
    return path + ": chart " + actual + ", deploy/ " + expected;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static String env(JsonNode container, String name) {
    for (JsonNode env : container.path("env")) {
      if (env.path("name").asText().equals(name)) {
        return env.path("value").asText();
      }
    }
    return null;
  }
}
