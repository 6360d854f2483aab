package dev.layercache.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.kube.testing.ChildJvm;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two operators (Main, each in its own JVM, as two Deployment replicas with their pod names as
 * HOSTNAME) on the real Lease of deploy/'s namespace, as its ServiceAccount: one leads and only it
 * processes events (both start their informers); {@code kill -9} of the leader by PID hands the
 * Lease to the other once JOSDK's lease duration (15 s) has run out, and the new leader writes
 * NodeCache specs. How long the hand-over takes is a timing, not a pass/fail criterion.
 */
public class LeaderElectionIT {
  static final Duration LEASE_DURATION = Duration.ofSeconds(15);
  static final String LEADING = "Started event processing for controller: nodecache";

  @TempDir Path dir;

  @Test
  void oneLeadsAndTheOtherTakesOverWhenTheLeaderIsKilled() throws Exception {
    try (SimulatedCluster cluster = new SimulatedCluster();
        ChildJvm first = operator(cluster, "operator-1");
        ChildJvm second = operator(cluster, "operator-2")) {
      addNode(cluster, "node-a");
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> cluster.client.resources(NodeCache.class).withName("node-a").get() != null);
      String leader = holder(cluster);
      ChildJvm leading = leader.equals("operator-1") ? first : second;
      ChildJvm following = leading == first ? second : first;
      Path followerLog = dir.resolve((leading == first ? "operator-2" : "operator-1") + ".log");
      // The follower processes no event, so it cannot have written a spec.
      assertThat(Files.readString(followerLog)).doesNotContain(LEADING);

      assertThat(ProcessHandle.of(leading.pid()).orElseThrow().destroyForcibly()).isTrue();
      String next = leader.equals("operator-1") ? "operator-2" : "operator-1";
      // Bounded generously: the lease duration is the floor, a loaded machine adds to it.
      await()
          .atMost(LEASE_DURATION.multipliedBy(4))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> next.equals(holder(cluster)));

      addNode(cluster, "node-b");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> cluster.client.resources(NodeCache.class).withName("node-b").get() != null);
      assertThat(ProcessHandle.of(following.pid()).map(ProcessHandle::isAlive)).contains(true);
      assertThat(Files.readString(followerLog)).contains(LEADING);
    }
  }

  private ChildJvm operator(SimulatedCluster cluster, String podName) throws Exception {
    return ChildJvm.startWithKubeconfig(
        Main.class.getName(),
        cluster.operatorKubeconfig(),
        Map.of(
            "HOSTNAME",
            podName,
            "LAYERCACHE_LEADER_ELECTION",
            "true",
            "LAYERCACHE_LEASE_NAMESPACE",
            SimulatedCluster.NAMESPACE,
            "LAYERCACHE_METRICS_PORT",
            "0"),
        List.of(),
        dir.resolve(podName + ".log"));
  }

  private static void addNode(SimulatedCluster cluster, String name) {
    cluster
        .client
        .resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  private static String holder(SimulatedCluster cluster) {
    Lease lease =
        cluster
            .client
            .leases()
            .inNamespace(SimulatedCluster.NAMESPACE)
            .withName(OperatorConfig.LEASE_NAME)
            .get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }
}
