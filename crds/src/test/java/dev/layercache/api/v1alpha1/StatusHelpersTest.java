package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusHelpersTest {
  static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
  static final Instant T1 = Instant.parse("2026-01-01T10:05:00.700Z");

  @Test
  void aConditionKeepsItsTransitionTimeUntilItsStatusFlips() {
    List<Condition> first =
        new Conditions(null, 1L, T0).set("Ready", false, "Pulling", "1/2").build();
    List<Condition> same =
        new Conditions(first, 2L, T1).set("Ready", false, "Pulling", "1/2").build();
    List<Condition> flipped =
        new Conditions(same, 2L, T1).set("Ready", true, "AllReady", "2/2").build();

    assertThat(same.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
    assertThat(same.get(0).getObservedGeneration()).isEqualTo(2L);
    assertThat(flipped.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T10:05:00Z");
    assertThat(Conditions.isTrue(flipped, "Ready")).isTrue();
    assertThat(Conditions.isTrue(flipped, "DiskPressure")).isFalse();
  }

  @Test
  void byteSizesReadLikeKubectlColumns() {
    assertThat(ByteSizes.binary(512)).isEqualTo("512");
    assertThat(ByteSizes.binary(1536)).isEqualTo("1.5Ki");
    assertThat(ByteSizes.binary(412L << 20)).isEqualTo("412Mi");
    assertThat(ByteSizes.binary((long) (3.1 * (1L << 30)))).isEqualTo("3.1Gi");
  }
}
