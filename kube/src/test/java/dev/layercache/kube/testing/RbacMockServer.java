package dev.layercache.kube.testing;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * fabric8's mock API server in mixed mode: it stores what it is given, as the CRUD mock does, and
 * answers 403 where RBAC would, for the secrets it is told to {@link #forbid}.
 */
public final class RbacMockServer implements AutoCloseable {
  private final KubernetesMockServer server;
  private final KubernetesClient client;

  public RbacMockServer() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            responses,
            new KubernetesMixedDispatcher(responses),
            false);
    server.init();
    client = server.createClient();
  }

  /** GETs of this secret answer 403 Forbidden, as for a ServiceAccount without the grant. */
  public void forbid(String namespace, String secret, String serviceAccount) {
    server
        .expect()
        .get()
        .withPath("/api/v1/namespaces/" + namespace + "/secrets/" + secret)
        .andReturn(
            403,
            new StatusBuilder()
                .withStatus("Failure")
                .withReason("Forbidden")
                .withCode(403)
                .withMessage(
                    "secrets \""
                        + secret
                        + "\" is forbidden: User \"system:serviceaccount:"
                        + serviceAccount.replace('/', ':')
                        + "\" cannot get resource \"secrets\" in the namespace \""
                        + namespace
                        + "\"")
                .build())
        .always();
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
