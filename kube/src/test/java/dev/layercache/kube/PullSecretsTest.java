package dev.layercache.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.kube.testing.RbacMockServer;
import dev.layercache.oci.RegistryCredentials;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against fabric8's mock API server ({@link RbacMockServer}): stored secrets are served as a server
 * serves them (data only, base64), and one answers 403 as RBAC would.
 */
class PullSecretsTest {
  static final String AGENT = "layercache-system/layercache-agent";

  RbacMockServer server;
  KubernetesClient client;

  @BeforeEach
  void start() {
    server = new RbacMockServer();
    client = server.client();
    server.forbid("team-a", "private", AGENT);
    secret("team-a", "regcred", "ghcr.io", "alice:a1");
    secret("team-a", "other", "ghcr.io", "bob:b2");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void readsTheCredentialsTheFirstSecretHasForARegistry() throws Exception {
    PullSecrets secrets = new PullSecrets(client, Set.of(), AGENT);
    assertThat(secrets.credentials(List.of(ref("team-a", "regcred"), ref("team-a", "other"))))
        .satisfies(
            c ->
                assertThat(c.forRegistry("ghcr.io"))
                    .contains(new RegistryCredentials("alice", "a1")));
  }

  @Test
  void aForbiddenSecretSaysWhatToGrant() {
    PullSecrets secrets = new PullSecrets(client, Set.of(), AGENT);
    assertThatThrownBy(() -> secrets.read(ref("team-a", "private")))
        .isInstanceOfSatisfying(
            SecretProblem.class,
            p -> assertThat(p.reason()).isEqualTo(Reasons.PULL_SECRET_FORBIDDEN))
        .hasMessageContaining("pull secret team-a/private")
        .hasMessageContaining(
            "kubectl -n team-a create rolebinding layercache-pull-secrets"
                + " --clusterrole=layercache-pull-secret-reader"
                + " --serviceaccount=layercache-system:layercache-agent");
  }

  @Test
  void missingMalformedAndDisallowedSecretsAreNamed() {
    PullSecrets secrets = new PullSecrets(client, Set.of(), AGENT);
    assertThatThrownBy(() -> secrets.read(ref("team-a", "gone")))
        .isInstanceOfSatisfying(
            SecretProblem.class,
            p -> assertThat(p.reason()).isEqualTo(Reasons.PULL_SECRET_NOT_FOUND))
        .hasMessage("pull secret team-a/gone not found");

    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("opaque")
                .withNamespace("team-a")
                .endMetadata()
                .addToData("token", "eA==")
                .build())
        .create();
    assertThatThrownBy(() -> secrets.read(ref("team-a", "opaque")))
        .isInstanceOfSatisfying(
            SecretProblem.class, p -> assertThat(p.reason()).isEqualTo(Reasons.PULL_SECRET_INVALID))
        .hasMessageContaining("has no .dockerconfigjson key");

    PullSecrets onlySystem = new PullSecrets(client, Set.of("layercache-system"), AGENT);
    assertThatThrownBy(() -> onlySystem.read(ref("team-a", "regcred")))
        .isInstanceOfSatisfying(
            SecretProblem.class,
            p -> assertThat(p.reason()).isEqualTo(Reasons.PULL_SECRET_FORBIDDEN))
        .hasMessageContaining("[layercache-system]");
  }

  private void secret(String namespace, String name, String registry, String userAndPassword) {
    String auth =
        Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    String json = "{\"auths\":{\"" + registry + "\":{\"auth\":\"" + auth + "\"}}}";
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .addToData(
                    ".dockerconfigjson",
                    Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)))
                .build())
        .create();
  }

  private static SecretRef ref(String namespace, String name) {
    SecretRef ref = new SecretRef();
    ref.setNamespace(namespace);
    ref.setName(name);
    return ref;
  }
}
