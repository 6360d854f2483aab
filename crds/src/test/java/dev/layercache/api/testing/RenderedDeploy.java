package dev.layercache.api.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code deploy/} rendered by the pinned kubectl ({@code kubectl kustomize deploy/}) and installed
 * on a {@link KubeControlPlane} as far as a cluster without a kubelet allows: the namespace, CRDs,
 * ServiceAccounts, RBAC, admission policies and Services for real; the Deployment and DaemonSet
 * with {@code dryRun} (the server validates and admits them but stores nothing, since no pod could
 * start).
 */
public final class RenderedDeploy {
  /** Kinds that would start pods. */
  public static final Set<String> WORKLOADS = Set.of("Deployment", "DaemonSet");

  private static List<HasMetadata> installed;

  private RenderedDeploy() {}

  /** What {@code kubectl kustomize deploy/} prints, as objects. */
  public static List<HasMetadata> render(KubernetesClient client) {
    String yaml =
        KubeControlPlane.run(
            List.of(
                KubeControlPlane.kubectl().toString(),
                "kustomize",
                KubeControlPlane.repoRoot().resolve("deploy").toString()),
            60);
    return client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
  }

  /**
   * Installs deploy/ once per JVM (server-side apply, so it is idempotent) and returns what the
   * server answered for each object, workloads as dry runs.
   */
  public static synchronized List<HasMetadata> install(KubeControlPlane cluster) {
    if (installed == null) {
      KubernetesClient admin = cluster.admin();
      List<HasMetadata> answers = new ArrayList<>();
      for (HasMetadata item : render(admin)) {
        var resource = admin.resource(item);
        answers.add(
            WORKLOADS.contains(item.getKind())
                ? resource.dryRun().create()
                : resource
                    .fieldManager(KubeControlPlane.FIELD_MANAGER)
                    .forceConflicts()
                    .serverSideApply());
      }
      installed = List.copyOf(answers);
    }
    return installed;
  }

  /**
   * What a user does so that deploy/'s {@code serviceAccount} (in layercache-system) may read pull
   * or push secrets in {@code namespace}, and what the PullSecretForbidden message says: the
   * namespace, and a RoleBinding there to layercache-pull-secret-reader.
   */
  public static void grantSecretReads(
      KubernetesClient admin, String namespace, String serviceAccount) {
    admin
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .fieldManager(KubeControlPlane.FIELD_MANAGER)
        .serverSideApply();
    admin
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(serviceAccount + "-pull-secrets")
                .withNamespace(namespace)
                .endMetadata()
                .withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("ClusterRole")
                .withName("layercache-pull-secret-reader")
                .endRoleRef()
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(serviceAccount)
                .withNamespace("layercache-system")
                .endSubject()
                .build())
        .fieldManager(KubeControlPlane.FIELD_MANAGER)
        .serverSideApply();
  }
}
