package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.RenderedDeploy;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chart with other than default values, as a real API server takes it: every object passes a
 * server-side dry run (schemas, admission) in the namespace deploy/ made. Default values are
 * deploy/'s objects (HelmChartTest), which DeployIT installs.
 */
@ExtendWith(KubeControlPlane.class)
class HelmChartIT {

  @Test
  void theChartWithOtherValuesIsAccepted(KubeControlPlane cluster) {
    RenderedDeploy.install(cluster);
    HelmChartTest.findHelm();
    List<String> values = new ArrayList<>(HelmChartTest.OTHER_VALUES);
    // The Prometheus Operator's CRDs are not on this server.
    values.removeIf(
        v -> v.startsWith("metrics.serviceMonitor") || v.startsWith("metrics.prometheusRule"));
    String yaml = HelmChartTest.template(values.toArray(String[]::new));
    KubernetesClient admin = cluster.admin();
    List<HasMetadata> objects =
        admin.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
    assertThat(objects).extracting(HasMetadata::getKind).contains("DaemonSet", "ConfigMap");
    for (HasMetadata object : objects) {
      HasMetadata answer =
          admin
              .resource(object)
              .dryRun()
              .fieldManager("layercache-helm-chart-it")
              .forceConflicts()
              .serverSideApply();
      assertThat(answer.getMetadata().getUid())
          .as(object.getKind() + " " + object.getMetadata().getName())
          .isNotBlank();
    }
  }
}
