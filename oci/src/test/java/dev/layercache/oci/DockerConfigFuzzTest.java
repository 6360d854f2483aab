package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.layercache.oci.testing.FuzzBudget;
import java.io.IOException;

/**
 * A Docker config.json or a pull secret's .dockerconfigjson (raw or base64): credentials or an
 * {@link IOException}, never another exception.
 */
class DockerConfigFuzzTest {

  @FuzzTest(maxDuration = FuzzBudget.CI)
  void parse(byte[] payload) {
    try {
      CredentialStore store = CredentialStore.fromDockerConfigJson(payload);
      store
          .forRegistry("docker.io")
          .ifPresent(c -> assertThat(c.basicAuthorization()).startsWith("Basic "));
      store.forRegistry("127.0.0.1:5000");
    } catch (IOException expected) {
      assertThat(expected.getMessage()).contains("docker config");
    }
  }
}
