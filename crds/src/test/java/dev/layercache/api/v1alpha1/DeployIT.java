package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.testing.RenderedDeploy;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code kubectl apply -k deploy/} on a real server, workloads as server-side dry runs. */
@ExtendWith(KubeControlPlane.class)
class DeployIT {

  @Test
  void everyObjectOfDeployIsAcceptedAndAllButTheWorkloadsAreStored(KubeControlPlane cluster) {
    List<HasMetadata> answers = RenderedDeploy.install(cluster);
    KubernetesClient admin = cluster.admin();

    assertThat(answers)
        .extracting(HasMetadata::getKind)
        .contains(
            "Namespace",
            "CustomResourceDefinition",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "Service",
            "Deployment",
            "DaemonSet",
            "CSIDriver");
    for (HasMetadata answer : answers) {
      String what = answer.getKind() + " " + answer.getMetadata().getName();
      // A dry run answers with the object as it would be stored, uid included, and stores nothing.
      assertThat(answer.getMetadata().getUid()).as(what).isNotBlank();
      boolean stored = admin.resource(answer).get() != null;
      assertThat(stored)
          .as(what + " stored")
          .isEqualTo(!RenderedDeploy.WORKLOADS.contains(answer.getKind()));
    }
  }

  @Test
  void theWorkloadsPodsWouldBeAdmitted(KubeControlPlane cluster) {
    // No kubelet runs, so no pod starts; a dry-run Pod from each template still goes through
    // admission (Pod Security of the namespace, the ServiceAccount, the priority class).
    KubernetesClient admin = cluster.admin();
    for (HasMetadata workload : RenderedDeploy.install(cluster)) {
      PodTemplateSpec template;
      if (workload instanceof DaemonSet daemonSet) {
        template = daemonSet.getSpec().getTemplate();
      } else if (workload instanceof Deployment deployment) {
        template = deployment.getSpec().getTemplate();
      } else {
        continue;
      }
      Pod pod =
          new PodBuilder()
              .withMetadata(template.getMetadata())
              .editMetadata()
              .withName(workload.getMetadata().getName() + "-dry-run")
              .withNamespace(workload.getMetadata().getNamespace())
              .endMetadata()
              .withSpec(template.getSpec())
              .editSpec()
              .withNodeName("worker-1")
              .endSpec()
              .build();
      Pod admitted = admin.resource(pod).dryRun().create();
      assertThat(admitted.getSpec().getServiceAccountName())
          .as(workload.getKind())
          .isEqualTo(template.getSpec().getServiceAccountName());
      assertThat(admin.resource(pod).get()).isNull();
    }
  }

  @Test
  void theOperatorsServiceAccountHoldsAndRenewsItsLease(KubeControlPlane cluster) throws Exception {
    // What the operator's leader election does, with deploy/'s RBAC: fabric8's LeaderElector
    // creates the Lease, then renews it with a patch.
    RenderedDeploy.install(cluster);
    CountDownLatch leading = new CountDownLatch(1);
    AtomicBoolean stopped = new AtomicBoolean();
    try (KubernetesClient operator =
        cluster.serviceAccountClient("layercache-system", "layercache-operator")) {
      LeaderElectionConfig config =
          new LeaderElectionConfig(
              new LeaseLock("layercache-system", "deploy-it-lease", "deploy-it"),
              Duration.ofSeconds(4),
              Duration.ofSeconds(3),
              Duration.ofMillis(500),
              new LeaderCallbacks(leading::countDown, () -> stopped.set(true), leader -> {}),
              false, // keep the Lease as renewed, to read it below
              "deploy-it");
      var election = operator.leaderElector().withConfig(config).build().start();
      try {
        assertThat(leading.await(30, TimeUnit.SECONDS)).as("became leader").isTrue();
        Thread.sleep(6000); // longer than the lease: only renewals keep it
        assertThat(stopped).as("lost the lease").isFalse();
      } finally {
        election.cancel(true);
      }
    }
    Lease lease =
        cluster.admin().leases().inNamespace("layercache-system").withName("deploy-it-lease").get();
    assertThat(lease.getSpec().getRenewTime()).isAfter(lease.getSpec().getAcquireTime());
  }

  @Test
  void thePodExamplesVolumesAreAcceptedAsInlineCsiVolumes(KubeControlPlane cluster)
      throws Exception {
    RenderedDeploy.install(cluster); // the CSIDriver, so its Ephemeral mode is known
    KubernetesClient admin = cluster.admin();
    assertThat(ProjectFiles.podExamples()).hasSize(2);
    for (java.nio.file.Path example : ProjectFiles.podExamples()) {
      Pod pod;
      try (var in = java.nio.file.Files.newInputStream(example)) {
        pod = admin.getKubernetesSerialization().unmarshal(in, Pod.class);
      }
      Pod admitted = admin.resource(pod).dryRun().create();
      assertThat(admitted.getSpec().getVolumes())
          .as(example.toString())
          .anySatisfy(
              v -> assertThat(v.getCsi().getDriver()).isEqualTo("workspace.layercache.dev"));
    }
  }
}
