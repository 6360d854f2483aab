package dev.layercache.api.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the extension promises other tests: identities as the server sees them, and restarts. */
@ExtendWith(KubeControlPlane.class)
class KubeControlPlaneIT {
  private static final String NAMESPACE = "control-plane-it";
  private static final String NODE_NAME = "authentication.kubernetes.io/node-name";

  @BeforeAll
  static void namespaceAndServiceAccount(KubernetesClient admin) {
    admin
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .create();
    admin
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("worker")
                .withNamespace(NAMESPACE)
                .endMetadata()
                .build())
        .create();
  }

  @Test
  void aPodBoundTokenCarriesItsNodeAndAPlainOneDoesNot(KubeControlPlane cluster) {
    UserInfo bound;
    try (KubernetesClient client = cluster.podBoundClient(NAMESPACE, "worker", "node-x")) {
      bound = whoAmI(client);
    }
    assertThat(bound.getUsername()).isEqualTo("system:serviceaccount:" + NAMESPACE + ":worker");
    assertThat(bound.getExtra()).containsEntry(NODE_NAME, List.of("node-x"));
    assertThat(bound.getExtra()).containsKey("authentication.kubernetes.io/pod-name");

    try (KubernetesClient client = cluster.serviceAccountClient(NAMESPACE, "worker")) {
      UserInfo plain = whoAmI(client);
      assertThat(plain.getUsername()).isEqualTo(bound.getUsername());
      assertThat(plain.getExtra()).doesNotContainKey(NODE_NAME);
    }
  }

  @Test
  void aTokenKubeconfigServesProcesses(KubeControlPlane cluster) {
    String token = cluster.podBoundToken(NAMESPACE, "worker", "node-y");
    String whoami =
        KubeControlPlane.run(
            List.of(
                KubeControlPlane.kubectl().toString(),
                "--kubeconfig=" + cluster.kubeconfigWithToken(token),
                "auth",
                "whoami",
                "-o",
                "jsonpath={.status.userInfo.extra." + NODE_NAME.replace(".", "\\.") + "}"),
            30);
    assertThat(whoami).contains("node-y");
  }

  @Test
  void objectsAndInformersOutliveAnApiServerRestart(KubeControlPlane cluster) {
    KubernetesClient admin = cluster.admin();
    Set<String> seen = ConcurrentHashMap.newKeySet();
    SharedIndexInformer<ConfigMap> informer =
        admin
            .configMaps()
            .inNamespace(NAMESPACE)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(ConfigMap configMap) {
                    seen.add(configMap.getMetadata().getName());
                  }

                  @Override
                  public void onUpdate(ConfigMap old, ConfigMap configMap) {}

                  @Override
                  public void onDelete(ConfigMap configMap, boolean unknownFinalState) {}
                });
    try {
      admin.resource(configMap("before-restart")).create();
      Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> seen.contains("before-restart"));

      cluster.stopApiServer();
      assertThatThrownBy(() -> admin.configMaps().inNamespace(NAMESPACE).list())
          .isInstanceOf(KubernetesClientException.class);
      cluster.startApiServer();

      assertThat(admin.configMaps().inNamespace(NAMESPACE).withName("before-restart").get())
          .isNotNull();
      admin.resource(configMap("after-restart")).create();
      Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> seen.contains("after-restart"));
    } finally {
      informer.close();
    }
  }

  private static ConfigMap configMap(String name) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .endMetadata()
        .build();
  }

  private static UserInfo whoAmI(KubernetesClient client) {
    SelfSubjectReview review = client.resource(new SelfSubjectReview()).create();
    return review.getStatus().getUserInfo();
  }
}
