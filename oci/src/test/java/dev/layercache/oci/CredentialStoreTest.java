package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CredentialStoreTest {
  static final String CONFIG =
      """
      {"auths": {
        "https://index.docker.io/v1/": {"auth": "%s"},
        "ghcr.io": {"username": "octo", "password": "ghp_token"},
        "https://registry.example.com:5000/v2/": {"auth": "%s"},
        "quay.io": {"identitytoken": "refresh-token"}
      }}
      """
          .formatted(b64("hubuser:hub:pass"), b64("ex:ample"));

  @Test
  void readsDockerConfigAuths() throws IOException {
    CredentialStore store = CredentialStore.fromDockerConfigJson(bytes(CONFIG));

    assertThat(store.forRegistry("docker.io"))
        .contains(new RegistryCredentials("hubuser", "hub:pass"));
    assertThat(store.forRegistry("registry-1.docker.io"))
        .contains(new RegistryCredentials("hubuser", "hub:pass"));
    assertThat(store.forRegistry("ghcr.io")).contains(new RegistryCredentials("octo", "ghp_token"));
    assertThat(store.forRegistry("registry.example.com:5000"))
        .contains(new RegistryCredentials("ex", "ample"));
    assertThat(store.forRegistry("quay.io"))
        .contains(new RegistryCredentials("", "", "refresh-token"));
    assertThat(store.forRegistry("registry.example.com")).isEmpty();
  }

  @Test
  void mergedStoresPreferTheLaterForTheSameRegistry() {
    CredentialStore first =
        CredentialStore.of(
            java.util.Map.of(
                "ghcr.io", new RegistryCredentials("a", "1"),
                "quay.io", new RegistryCredentials("q", "2")));
    CredentialStore second =
        CredentialStore.of(java.util.Map.of("ghcr.io", new RegistryCredentials("b", "3")));

    CredentialStore merged = first.with(second);

    assertThat(merged.forRegistry("ghcr.io")).contains(new RegistryCredentials("b", "3"));
    assertThat(merged.forRegistry("quay.io")).contains(new RegistryCredentials("q", "2"));
  }

  @Test
  void readsKubernetesSecretPayloadRawOrBase64() throws IOException {
    String payload = b64(CONFIG);

    CredentialStore store = CredentialStore.fromDockerConfigJson(bytes(payload));

    assertThat(store.forRegistry("ghcr.io")).isPresent();
  }

  @Test
  void missingFileMeansNoCredentials() throws IOException {
    assertThat(
            CredentialStore.fromDockerConfig(Path.of("/nonexistent/config.json"))
                .forRegistry("ghcr.io"))
        .isEmpty();
  }

  @Test
  void badAuthFieldIsAClearError() {
    assertThatThrownBy(
            () ->
                CredentialStore.fromDockerConfigJson(
                    bytes("{\"auths\":{\"ghcr.io\":{\"auth\":\"" + b64("nocolon") + "\"}}}")))
        .hasMessageContaining("\"auth\" for ghcr.io is not user:password");
  }

  @Test
  void passwordsStayOutOfToString() {
    assertThat(new RegistryCredentials("u", "secret").toString()).doesNotContain("secret");
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(bytes(s));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
