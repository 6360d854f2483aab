package dev.layercache.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.api.v1alpha1.ByteSizes;
import dev.layercache.api.v1alpha1.GoDuration;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.operator.support.Nodes;
import dev.layercache.operator.support.StoredForm;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

public class SmallPartsTest {
  @Test
  void goDurations() {
    assertThat(GoDuration.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(GoDuration.parse("0s")).isZero();
    assertThatThrownBy(() -> GoDuration.parse("1d")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void binaryUnitsAsKubectlShowsThem() {
    assertThat(ByteSizes.binary(512)).isEqualTo("512");
    assertThat(ByteSizes.binary(4096)).isEqualTo("4Ki");
    assertThat(ByteSizes.binary(412L << 20)).isEqualTo("412Mi");
    assertThat(ByteSizes.binary((long) (1.2 * (1L << 30)))).isEqualTo("1.2Gi");
  }

  @Test
  void labelSelectorsFollowKubernetesSemantics() {
    var node = Fixtures.node("a", "pool", "build", "zone", "z1");
    assertThat(Nodes.matches(null, node)).isTrue();
    assertThat(Nodes.matches(new LabelSelectorBuilder().build(), node)).isTrue();
    assertThat(
            Nodes.matches(new LabelSelectorBuilder().addToMatchLabels("pool", "gpu").build(), node))
        .isFalse();
    assertThat(
            Nodes.matches(
                new LabelSelectorBuilder()
                    .addNewMatchExpression()
                    .withKey("zone")
                    .withOperator("In")
                    .withValues("z1", "z2")
                    .endMatchExpression()
                    .build(),
                node))
        .isTrue();
    assertThat(
            Nodes.matches(
                new LabelSelectorBuilder()
                    .addNewMatchExpression()
                    .withKey("gpu")
                    .withOperator("DoesNotExist")
                    .endMatchExpression()
                    .build(),
                node))
        .isTrue();
    assertThat(Nodes.platform(Fixtures.node("arm", Nodes.ARCH_LABEL, "arm64")))
        .isEqualTo("linux/arm64");
  }

  @Test
  void storedFormTreatsEmptyListsAsAbsent() {
    LayerCacheStatus empty = new LayerCacheStatus();
    empty.setFailures(List.of());
    assertThat(StoredForm.same(empty, new LayerCacheStatus())).isTrue();
    LayerCacheStatus other = new LayerCacheStatus();
    other.setReadyNodes("1/1");
    assertThat(StoredForm.same(empty, other)).isFalse();
  }

  @Test
  void configFromEnvironment() {
    OperatorConfig defaults = OperatorConfig.fromEnv(Map.of("POD_NAMESPACE", "ops"));
    assertThat(defaults.metricsPort()).isEqualTo(8080);
    assertThat(defaults.leaseNamespace()).contains("ops");
    assertThat(defaults.secretNamespaces()).isEmpty();
    assertThat(defaults.serviceAccount()).isEqualTo("ops/layercache-operator");

    OperatorConfig custom =
        OperatorConfig.fromEnv(
            Map.of(
                "LAYERCACHE_LEADER_ELECTION", "false",
                "LAYERCACHE_METRICS_PORT", "9090",
                "LAYERCACHE_SECRET_NAMESPACES", "a, b"));
    assertThat(custom.leaseNamespace()).isEmpty();
    assertThat(custom.metricsPort()).isEqualTo(9090);
    assertThat(custom.secretNamespaces()).containsExactlyInAnyOrder("a", "b");
  }
}
