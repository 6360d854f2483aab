package dev.layercache.agent.cri;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.agent.cri.wire.PullImageRequest;
import dev.layercache.oci.RegistryCredentials;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The PullImage requests the agent sends, as the runtime reads them. */
class CriImageClientTest {
  static final String IMAGE = "registry.example:5000/team/app:1";

  @Test
  void withoutAHandlerThePullIsForTheDefaultHandlerAndCarriesNoSandbox() {
    PullImageRequest request = CriImageClient.pullRequest(IMAGE, Optional.empty(), null);

    assertThat(request.getImage().getImage()).isEqualTo(IMAGE);
    assertThat(request.getImage().getRuntimeHandler()).isEmpty();
    assertThat(request.hasSandboxConfig()).isFalse();
    assertThat(request.hasAuth()).isFalse();
  }

  @Test
  void aHandlerIsNamedInTheImageSpecAndInTheSandboxAnnotation() {
    PullImageRequest request = CriImageClient.pullRequest(IMAGE, Optional.empty(), "layercache");

    assertThat(request.getImage().getRuntimeHandler()).isEqualTo("layercache");
    assertThat(request.getSandboxConfig().getAnnotationsMap())
        .isEqualTo(Map.of("io.containerd.cri.runtime-handler", "layercache"));
  }

  @Test
  void aPullSecretsUsernameAndPasswordBecomeTheAuthConfig() {
    PullImageRequest request =
        CriImageClient.pullRequest(
            IMAGE, Optional.of(new RegistryCredentials("robot", "s3cret")), null);

    assertThat(request.getAuth().getUsername()).isEqualTo("robot");
    assertThat(request.getAuth().getPassword()).isEqualTo("s3cret");
    assertThat(request.getAuth().getIdentityToken()).isEmpty();
  }

  @Test
  void anIdentityTokenIsSentAloneSoTheRuntimeUsesIt() {
    PullImageRequest request =
        CriImageClient.pullRequest(
            IMAGE,
            Optional.of(
                new RegistryCredentials("00000000-0000-0000-0000-000000000000", "", "refresh")),
            null);

    assertThat(request.getAuth().getIdentityToken()).isEqualTo("refresh");
    assertThat(request.getAuth().getUsername()).isEmpty();
    assertThat(request.getAuth().getPassword()).isEmpty();
  }
}
