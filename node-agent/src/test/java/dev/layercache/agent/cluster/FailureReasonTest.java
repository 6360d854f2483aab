package dev.layercache.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.agent.store.DiskPressureException;
import dev.layercache.agent.store.LayerPullException;
import dev.layercache.oci.RegistryException;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailureReasonTest {
  static RegistryException registry(int status) {
    return new RegistryException("answered " + status, status, List.of(), null);
  }

  @Test
  void namesTheCauseAUserActsOn() {
    assertThat(FailureReason.of(new LayerPullException("layer x", registry(404))))
        .isEqualTo("ImageNotFound");
    assertThat(FailureReason.of(registry(401))).isEqualTo("Unauthorized");
    assertThat(FailureReason.of(registry(403))).isEqualTo("Unauthorized");
    assertThat(FailureReason.of(registry(503))).isEqualTo("RegistryUnavailable");
    assertThat(FailureReason.of(new IOException("connection reset")))
        .isEqualTo("RegistryUnavailable");
    assertThat(FailureReason.of(new DiskPressureException("full"))).isEqualTo("DiskPressure");
    assertThat(FailureReason.of(new IllegalStateException("bug"))).isEqualTo("PullFailed");
  }
}
