package dev.layercache.oci;

import static dev.layercache.oci.testing.TestImages.AMD64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import dev.layercache.oci.testing.TokenServer;
import dev.layercache.oci.testing.TokenServer.TokenRequest;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real registry configured for token auth ({@code auth.token}), with a token service on
 * loopback signing JWTs the registry verifies against the service's certificate.
 */
class BearerTokenIT {
  @RegisterExtension
  static RegistryExtension registry = RegistryExtension.withTokenAuth("bob", "t0ken-pass");

  @Test
  void pushAndPullWithTokensScopedToTheRepository() throws IOException {
    RegistryClient client = registry.client();
    TestImage image = TestImages.sample(ImageFormat.OCI, AMD64);
    ImageReference ref = registry.reference("bearer/app:1");

    image.push(client, ref);
    ResolvedImage resolved = client.resolve(ref, AMD64);

    assertThat(resolved.manifestDigest()).isEqualTo(image.digest());
    assertThat(registry.tokenServer().requests())
        .filteredOn(r -> r.scopes().toString().contains("bearer/app:"))
        .allSatisfy(
            r -> {
              assertThat(r.service()).isEqualTo(TokenServer.SERVICE);
              assertThat(r.authenticated()).isTrue();
            })
        .extracting(TokenRequest::scopes)
        .contains(
            java.util.List.of("repository:bearer/app:pull,push"),
            java.util.List.of("repository:bearer/app:pull"));
  }

  @Test
  void tokensAreCachedPerScope() throws IOException {
    RegistryClient client = registry.client();
    ImageReference ref = registry.reference("bearer/cached:1");
    TestImages.sample(ImageFormat.OCI, AMD64).push(client, ref);
    client.resolve(ref, AMD64);
    int before = registry.tokenServer().requests().size();

    client.resolve(ref, AMD64);
    client.resolve(ref, AMD64);

    assertThat(registry.tokenServer().requests()).hasSize(before);
  }

  @Test
  void crossRepositoryMountAsksForBothScopes() throws IOException {
    RegistryClient client = registry.client();
    byte[] content = "token-mounted".getBytes();
    Descriptor blob = Descriptor.of("application/octet-stream", content);
    client.pushBlob(registry.reference("bearer/base:1"), blob, BlobContent.of(content));

    BlobPushResult result =
        client.pushBlob(
            registry.reference("bearer/derived:1"),
            blob,
            BlobContent.of(content),
            Optional.of("bearer/base"));

    assertThat(result).isEqualTo(BlobPushResult.MOUNTED);
    assertThat(registry.tokenServer().requests())
        .extracting(TokenRequest::scopes)
        .contains(
            java.util.List.of(
                "repository:bearer/derived:pull,push", "repository:bearer/base:pull"));
  }

  @Test
  void anonymousTokenIsNotEnoughAndTheErrorSaysWhy() throws IOException {
    ImageReference ref = registry.reference("bearer/private:1");
    TestImages.sample(ImageFormat.OCI, AMD64).push(registry.client(), ref);

    assertThatThrownBy(() -> registry.anonymousClient().resolve(ref, AMD64))
        .isInstanceOf(RegistryException.class)
        .hasMessageStartingWith("UNAUTHORIZED")
        .hasMessageContaining("401")
        .hasMessageContaining("no credentials configured");
  }

  @Test
  void wrongPasswordIsReportedFromTheTokenService() {
    RegistryClient client =
        new HttpRegistryClient(
            registry
                .configBuilder()
                .credentials(
                    CredentialStore.of(
                        Map.of(registry.host(), new RegistryCredentials("bob", "nope"))))
                .build());

    assertThatThrownBy(() -> client.resolve(registry.reference("bearer/wrong-password:1"), AMD64))
        .isInstanceOf(RegistryException.class)
        .hasMessageStartingWith("UNAUTHORIZED: invalid username or password")
        .hasMessageContaining(registry.tokenServer().realm().toString());
  }
}
