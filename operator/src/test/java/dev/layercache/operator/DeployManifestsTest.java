package dev.layercache.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Reads deploy/ as kustomize would (every kustomization's resources exist and parse) and checks
 * what a user would: images, ports, probes, the store's host path and mount propagation.
 */
public class DeployManifestsTest {
  private static final Path ROOT =
      Path.of(System.getenv().getOrDefault("LAYERCACHE_REPO_ROOT", ".."))
          .toAbsolutePath()
          .normalize();
  private static final Path DEPLOY = ROOT.resolve("deploy");
  private static final ObjectMapper YAML = new YAMLMapper();

  @Test
  void everyKustomizationResourceExistsAndParses() throws IOException {
    List<JsonNode> objects = render(DEPLOY);
    assertThat(objects)
        .extracting(o -> o.path("kind").asText())
        .contains(
            "Namespace", "CustomResourceDefinition", "Deployment", "DaemonSet", "ClusterRole");
    assertThat(render(DEPLOY.resolve("monitoring")))
        .extracting(o -> o.path("kind").asText())
        .containsExactly("ServiceMonitor", "PrometheusRule");
  }

  @Test
  void kubectlKustomizeRendersIt() throws Exception {
    Path kubectl =
        Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
            .map(d -> Path.of(d, "kubectl"))
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    Assumptions.assumeTrue(kubectl != null, "kubectl is not installed");
    Process process =
        new ProcessBuilder(kubectl.toString(), "kustomize", DEPLOY.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(output).isZero();
    assertThat(output).contains("kind: DaemonSet").contains("namespace: layercache-system");
  }

  @Test
  void theCommittedCrdsAreInstalled() throws IOException {
    assertThat(
            render(DEPLOY).stream()
                .filter(o -> o.path("kind").asText().equals("CustomResourceDefinition")))
        .extracting(o -> o.at("/metadata/name").asText())
        .containsExactlyInAnyOrder(
            "layercaches.layercache.dev",
            "nodecaches.layercache.dev",
            "overlayworkspaces.layercache.dev");
  }

  @Test
  void theOperatorIsProbedOnHealthzAndElectsALeader() throws IOException {
    JsonNode deployment = only(render(DEPLOY), "Deployment");
    JsonNode container = deployment.at("/spec/template/spec/containers/0");
    assertThat(container.path("image").asText()).startsWith("layercache/operator");
    assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(env(container, "LAYERCACHE_LEADER_ELECTION")).isEqualTo("true");
    assertThat(env(container, "LAYERCACHE_METRICS_PORT")).isEqualTo("8080");
    assertThat(deployment.at("/spec/replicas").asInt()).isGreaterThan(1);
  }

  @Test
  void theAgentRunsPrivilegedOnEveryNodeWithABidirectionalStore() throws IOException {
    JsonNode daemonSet = only(render(DEPLOY), "DaemonSet");
    JsonNode pod = daemonSet.at("/spec/template/spec");
    JsonNode container = pod.at("/containers/0");
    assertThat(container.path("image").asText()).startsWith("layercache/node-agent");
    assertThat(container.at("/securityContext/privileged").asBoolean()).isTrue();
    assertThat(container.at("/volumeMounts/0/mountPath").asText()).isEqualTo("/var/lib/layercache");
    assertThat(container.at("/volumeMounts/0/mountPropagation").asText())
        .isEqualTo("Bidirectional");
    assertThat(pod.at("/volumes/0/hostPath/path").asText()).isEqualTo("/var/lib/layercache");
    // containerd performs the snapshotter's mounts on the host: the same paths on both sides.
    assertThat(container.at("/volumeMounts/1/mountPath").asText()).isEqualTo("/run/layercache");
    assertThat(pod.at("/volumes/1/hostPath/path").asText()).isEqualTo("/run/layercache");
    assertThat(container.at("/env/0/name").asText()).isEqualTo("NODE_NAME");
    assertThat(container.at("/env/0/valueFrom/fieldRef/fieldPath").asText())
        .isEqualTo("spec.nodeName");
    assertThat(pod.at("/tolerations/0/operator").asText()).isEqualTo("Exists");
    assertThat(container.at("/ports/0/name").asText()).isEqualTo("metrics");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/healthz");
  }

  @Test
  void theAgentServesTheSnapshotterAndTheCsiPluginThatRegistersItself() throws IOException {
    JsonNode driver = only(render(DEPLOY), "CSIDriver");
    assertThat(driver.at("/metadata/name").asText()).isEqualTo("workspace.layercache.dev");
    assertThat(driver.at("/spec/attachRequired").asBoolean(true)).isFalse();
    assertThat(driver.at("/spec/podInfoOnMount").asBoolean()).isTrue();
    assertThat(driver.at("/spec/volumeLifecycleModes").toString()).isEqualTo("[\"Ephemeral\"]");

    JsonNode pod = only(render(DEPLOY), "DaemonSet").at("/spec/template/spec");
    JsonNode agent = pod.at("/containers/0");
    assertThat(strings(agent.path("args")))
        .containsExactly(
            "agent",
            "--snapshotter-address=/run/layercache/snapshotter.sock",
            "--csi-address=/var/lib/kubelet/plugins/workspace.layercache.dev/csi.sock",
            "--cri-address=/run/containerd/containerd.sock",
            "--cri-runtime-handler=layercache");
    // The CRI socket's directory at the host's path, where the args name it.
    assertThat(mount(agent, "containerd").path("mountPath").asText()).isEqualTo("/run/containerd");
    assertThat(volume(pod, "containerd").at("/hostPath/path").asText())
        .isEqualTo("/run/containerd");
    JsonNode kubelet = mount(agent, "kubelet");
    assertThat(kubelet.path("mountPath").asText()).isEqualTo("/var/lib/kubelet");
    // The binds into pods' volume directories must reach the host's mount namespace.
    assertThat(kubelet.path("mountPropagation").asText()).isEqualTo("Bidirectional");
    assertThat(volume(pod, "kubelet").at("/hostPath/path").asText()).isEqualTo("/var/lib/kubelet");
    // The plugin registers itself in the kubelet's plugins_registry, inside that volume: no
    // sidecar.
    assertThat(pod.path("containers")).hasSize(1);
    assertThat(pod.path("volumes").findValuesAsText("name"))
        .containsExactly("store", "run", "kubelet", "containerd");
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  private static JsonNode mount(JsonNode container, String volume) {
    for (JsonNode mount : container.path("volumeMounts")) {
      if (mount.path("name").asText().equals(volume)) {
        return mount;
      }
    }
    throw new AssertionError(container.path("name").asText() + " does not mount " + volume);
  }

  private static JsonNode volume(JsonNode pod, String name) {
    for (JsonNode volume : pod.path("volumes")) {
      if (volume.path("name").asText().equals(name)) {
        return volume;
      }
    }
    throw new AssertionError("no volume " + name);
  }

  @Test
  void theAgentMayOnlyReadNodeCachesAndWriteTheirStatus() throws IOException {
    JsonNode role =
        render(DEPLOY).stream()
            .filter(o -> o.path("metadata").path("name").asText().equals("layercache-agent"))
            .filter(o -> o.path("kind").asText().equals("ClusterRole"))
            .findFirst()
            .orElseThrow();
    List<String> grants = new ArrayList<>();
    role.path("rules")
        .forEach(
            rule ->
                rule.path("resources")
                    .forEach(
                        r ->
                            rule.path("verbs")
                                .forEach(v -> grants.add(r.asText() + ":" + v.asText()))));
    assertThat(grants)
        .containsExactlyInAnyOrder(
            "nodecaches:get",
            "nodecaches:list",
            "nodecaches:watch",
            "nodecaches/status:get",
            "nodecaches/status:patch",
            "nodecaches/status:update");
  }

  private static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e.path("value").asText();
      }
    }
    return null;
  }

  private static JsonNode only(List<JsonNode> objects, String kind) {
    List<JsonNode> matching =
        objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    assertThat(matching).hasSize(1);
    return matching.get(0);
  }

  /** The objects a kustomization lists, following nested kustomizations. */
  private static List<JsonNode> render(Path dir) throws IOException {
    Path kustomizationFile =
        Files.exists(dir.resolve("kustomization.yaml"))
            ? dir.resolve("kustomization.yaml")
            : dir.resolve("Kustomization");
    JsonNode kustomization = YAML.readTree(kustomizationFile.toFile());
    List<JsonNode> objects = new ArrayList<>();
    for (JsonNode entry : kustomization.path("resources")) {
      Path resource = dir.resolve(entry.asText()).normalize();
      assertThat(resource).as("%s in %s", entry.asText(), dir).exists();
      if (Files.isDirectory(resource)) {
        objects.addAll(render(resource));
      } else {
        // kustomize loads files only from the kustomization's own directory or below
        assertThat(resource).as("%s in %s", entry.asText(), dir).startsWith(dir);
        try (var parser = new YAMLFactory().createParser(resource.toFile())) {
          YAML.readValues(parser, JsonNode.class).readAll().stream()
              .filter(n -> !n.isNull() && !n.isEmpty())
              .forEach(objects::add);
        }
      }
    }
    return objects;
  }
}
