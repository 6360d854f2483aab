package dev.layercache.api.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * fabric8's CRUD mock API server with layercache's generated CRDs installed, for the tests that
 * have not moved to {@link KubeControlPlane} (a real kube-apiserver) yet. It stores what it is
 * given and enforces no schema or CEL rule.
 */
public final class MockApiServer implements AutoCloseable {
  // The mock logs every request at INFO; the reference keeps the level from being collected.
  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(Level.WARNING);
  }

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  public MockApiServer() {
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init();
    client = server.createClient();
    for (String plural : List.of("layercaches", "overlayworkspaces", "nodecaches")) {
      String resource = "META-INF/fabric8/" + plural + ".layercache.dev-v1.yml";
      try (InputStream in = MockApiServer.class.getClassLoader().getResourceAsStream(resource)) {
        client.apiextensions().v1().customResourceDefinitions().load(in).create();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + resource, e);
      }
    }
  }

  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
