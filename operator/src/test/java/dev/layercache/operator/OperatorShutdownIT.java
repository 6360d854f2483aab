package dev.layercache.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.kube.testing.ChildJvm;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator as its Deployment runs it (Main in its own JVM), stopped with SIGTERM. */
public class OperatorShutdownIT {
  @TempDir Path dir;

  @Test
  void sigtermStopsTheControllersAndExitsZero() throws Exception {
    try (SimulatedCluster cluster = new SimulatedCluster();
        ChildJvm operator =
            ChildJvm.startWithKubeconfig(
                Main.class.getName(),
                cluster.operatorKubeconfig(),
                Map.of("LAYERCACHE_LEADER_ELECTION", "false", "LAYERCACHE_METRICS_PORT", "0"),
                List.of(),
                dir.resolve("operator.log"))) {
      cluster
          .client
          .resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata().build())
          .create();
      // Running: it gave the node its NodeCache.
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> cluster.client.resources(NodeCache.class).withName("node-a").get() != null);

      operator.sigterm();

      assertThat(operator.awaitExit(Duration.ofSeconds(40))).as(operator.output()).isZero();
    }
  }
}
