package dev.layercache.oci;

import static dev.layercache.oci.testing.TestImages.AMD64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.layercache.oci.testing.FaultyProxy;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.LayerBlob;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A registry behind htpasswd basic auth. */
class BasicAuthIT {
  @RegisterExtension
  static RegistryExtension registry = RegistryExtension.withBasicAuth("alice", "s3cret");

  private static final TestImage IMAGE = TestImages.sample(ImageFormat.OCI, AMD64);
  private static ImageReference ref;

  @BeforeAll
  static void push() throws IOException {
    ref = registry.reference("private/app:1");
    IMAGE.push(registry.client(), ref);
  }

  @Test
  void credentialsFromADockerConfigFileWork(@TempDir Path dir) throws IOException {
    String auth =
        Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
    Path config = dir.resolve("config.json");
    Files.writeString(
        config, "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}");
    RegistryClient client =
        new HttpRegistryClient(
            registry.configBuilder().credentials(CredentialStore.fromDockerConfig(config)).build());

    ResolvedImage resolved = client.resolve(ref, AMD64);

    assertThat(resolved.manifestDigest()).isEqualTo(IMAGE.digest());
    try (InputStream in = client.openBlob(ref, resolved.layers().get(0).blob())) {
      assertThat(in.readAllBytes()).isEqualTo(IMAGE.layers().get(0).bytes());
    }
  }

  @Test
  void withoutCredentialsTheErrorSaysSo() {
    assertThatThrownBy(() -> registry.anonymousClient().resolve(ref, AMD64))
        .isInstanceOf(RegistryException.class)
        .hasMessageStartingWith("UNAUTHORIZED: authentication required")
        .hasMessageContaining("401")
        .hasMessageContaining("no credentials configured for " + registry.host())
        .satisfies(e -> assertThat(((RegistryException) e).status()).isEqualTo(401));
  }

  @Test
  void wrongPasswordIsRefusedAtOnce() {
    RegistryClient client =
        new HttpRegistryClient(
            registry
                .configBuilder()
                .credentials(
                    CredentialStore.of(
                        java.util.Map.of(
                            registry.host(), new RegistryCredentials("alice", "wrong"))))
                .build());

    assertThatThrownBy(() -> client.resolve(ref, AMD64))
        .isInstanceOf(RegistryException.class)
        .hasMessageStartingWith("UNAUTHORIZED")
        .hasMessageContaining("401");
  }

  @Test
  void redirectedBlobDownloadsDoNotCarryRegistryCredentials() throws IOException {
    LayerBlob layer = IMAGE.layers().get(0);
    List<String> storageAuthorization = Collections.synchronizedList(new ArrayList<>());
    HttpServer storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    storage.createContext(
        "/",
        exchange -> {
          storageAuthorization.add(
              String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
          exchange.sendResponseHeaders(200, layer.bytes().length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(layer.bytes());
          }
        });
    storage.start();
    // "localhost" vs "127.0.0.1": another host as far as credentials go.
    URI storageUrl = URI.create("http://localhost:" + storage.getAddress().getPort());
    try (FaultyProxy proxy = FaultyProxy.start(registry.url())) {
      proxy.redirectBlobsTo(storageUrl);
      ImageReference viaProxy = proxy.reference(ref);
      RegistryClient client =
          new HttpRegistryClient(
              registry
                  .configBuilder()
                  .credentials(
                      CredentialStore.of(
                          java.util.Map.of(
                              proxy.host(), new RegistryCredentials("alice", "s3cret"))))
                  .build());

      // The manifest request meets the Basic challenge, so later requests carry credentials.
      client.fetchManifest(viaProxy);
      try (InputStream in = client.openBlob(viaProxy, layer.descriptor())) {
        assertThat(in.readAllBytes()).isEqualTo(layer.bytes());
      }
      assertThat(proxy.requests().stream().filter(r -> r.path().contains("/blobs/")))
          .singleElement()
          .satisfies(
              r ->
                  assertThat(r.header("Authorization"))
                      .hasValueSatisfying(v -> assertThat(v).startsWith("Basic ")));
    } finally {
      storage.stop(0);
    }
    assertThat(storageAuthorization).containsExactly("null");
  }
}
