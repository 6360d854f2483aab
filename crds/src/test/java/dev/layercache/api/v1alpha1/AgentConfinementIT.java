package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.RenderedDeploy;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The agent's ServiceAccount with deploy/'s RBAC and admission policy, on a real server, with the
 * credentials a DaemonSet pod gets: a token bound to a pod on its node. It writes its own
 * NodeCache's status, no other NodeCache and no spec, and reads only the Secrets RBAC grants.
 */
@ExtendWith(KubeControlPlane.class)
class AgentConfinementIT {
  private static final String NAMESPACE = "layercache-system";
  private static final String AGENT = "layercache-agent";
  private static final String STATUS_PATCH = "{\"status\":{\"agentVersion\":\"confined\"}}";

  private static KubernetesClient admin;
  private static KubernetesClient agentOnNodeA;

  @BeforeAll
  static void installDeployAndNodeCaches(KubeControlPlane cluster) {
    RenderedDeploy.install(cluster);
    admin = cluster.admin();
    for (String node : List.of("confined-a", "confined-b")) {
      NodeCache nodeCache = new NodeCache();
      nodeCache.getMetadata().setName(node);
      nodeCache.setSpec(new NodeCacheSpec());
      admin.resource(nodeCache).create();
    }
    agentOnNodeA = cluster.podBoundClient(NAMESPACE, AGENT, "confined-a");
  }

  @AfterAll
  static void closeClient() {
    agentOnNodeA.close();
  }

  @Test
  void theAgentWritesItsOwnNodesStatus() {
    nodeCache(agentOnNodeA, "confined-a")
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), STATUS_PATCH);

    assertThat(nodeCache(admin, "confined-a").get().getStatus().getAgentVersion())
        .isEqualTo("confined");
  }

  @Test
  void theAgentCannotWriteAnotherNodesStatus() {
    assertForbidden(
            () ->
                nodeCache(agentOnNodeA, "confined-b")
                    .subresource("status")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), STATUS_PATCH))
        .hasMessageContaining(
            "the layercache agent may write only the NodeCache of its own node (confined-a),"
                + " not confined-b");
    assertThat(nodeCache(admin, "confined-b").get().getStatus()).isNull();
  }

  @Test
  void aTokenNotBoundToANodeWritesNoNodeCache(KubeControlPlane cluster) {
    try (KubernetesClient unbound = cluster.serviceAccountClient(NAMESPACE, AGENT)) {
      assertForbidden(
              () ->
                  nodeCache(unbound, "confined-a")
                      .subresource("status")
                      .patch(PatchContext.of(PatchType.JSON_MERGE), STATUS_PATCH))
          .hasMessageContaining("none: its token is not bound to a pod on a node");
    }
  }

  @Test
  void theAgentWritesNoSpecEvenWhenRbacWouldAllowIt() {
    String specPatch = "{\"spec\":{\"layers\":[]}}";
    // RBAC (deploy/agent/rbac.yaml) gives the agent no write on NodeCaches...
    assertForbidden(
            () ->
                nodeCache(agentOnNodeA, "confined-a")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), specPatch))
        .hasMessageContaining("cannot patch resource \"nodecaches\"");
    assertForbidden(() -> agentOnNodeA.resource(nodeCacheNamed("confined-new")).create())
        .hasMessageContaining("cannot create resource \"nodecaches\"");

    // ...and were a broader role bound to it by mistake, the admission policy still refuses.
    String role = "confinement-test-nodecache-writer";
    admin
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(role)
                .endMetadata()
                .addNewRule()
                .withApiGroups("layercache.dev")
                .withResources("nodecaches")
                .withVerbs("create", "patch", "update", "delete")
                .endRule()
                .build())
        .create();
    admin
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(role)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(AGENT)
                .withNamespace(NAMESPACE)
                .endSubject()
                .build())
        .create();
    try {
      String refusal = "the layercache agent writes NodeCache status only";
      assertForbidden(
              () ->
                  nodeCache(agentOnNodeA, "confined-a")
                      .patch(PatchContext.of(PatchType.JSON_MERGE), specPatch))
          .hasMessageContaining(refusal);
      assertForbidden(() -> agentOnNodeA.resource(nodeCacheNamed("confined-a2")).create())
          .hasMessageContaining(refusal);
      assertForbidden(() -> nodeCache(agentOnNodeA, "confined-a").delete())
          .hasMessageContaining(refusal);
    } finally {
      admin.rbac().clusterRoleBindings().withName(role).delete();
      admin.rbac().clusterRoles().withName(role).delete();
    }
    assertThat(nodeCache(admin, "confined-a").get()).isNotNull();
  }

  @Test
  void theAgentReadsOnlyTheSecretsRbacGrants() {
    admin
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName("confined-team")
                .endMetadata()
                .build())
        .create();
    for (String namespace : List.of(NAMESPACE, "confined-team")) {
      admin
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("confined-regcred")
                  .withNamespace(namespace)
                  .endMetadata()
                  .withStringData(Map.of("token", "s3cret"))
                  .build())
          .create();
    }

    // deploy/ binds layercache-pull-secret-reader (get by name) in layercache-system only.
    assertThat(agentOnNodeA.secrets().inNamespace(NAMESPACE).withName("confined-regcred").get())
        .isNotNull();
    assertForbidden(
            () ->
                agentOnNodeA
                    .secrets()
                    .inNamespace("confined-team")
                    .withName("confined-regcred")
                    .get())
        .hasMessageContaining("cannot get resource \"secrets\"");
    assertForbidden(() -> agentOnNodeA.secrets().inNamespace(NAMESPACE).list())
        .hasMessageContaining("cannot list resource \"secrets\"");
  }

  private static Resource<NodeCache> nodeCache(KubernetesClient client, String name) {
    return client.resources(NodeCache.class).withName(name);
  }

  private static NodeCache nodeCacheNamed(String name) {
    NodeCache nodeCache = new NodeCache();
    nodeCache.getMetadata().setName(name);
    nodeCache.setSpec(new NodeCacheSpec());
    return nodeCache;
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertForbidden(Runnable call) {
    return assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
  }
}
