package dev.layercache.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.RecordingMounter;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.agent.workspace.WorkspaceRequest;
import dev.layercache.api.testing.KubeControlPlane;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent finds a pod's named workspace through its NodeCache spec, and only its own. On the
 * JVM's real control plane, shared with the other cluster ITs: the node names are this test's own.
 */
class NodeCacheWorkspacesIT {
  static final String LAYER = "sha256:" + "c".repeat(64);
  static final String UID = "0b6d5f6e-1f0c-4c53-9e55-3f1f8e9d2a71";

  @TempDir Path root;
  static final String NODE = "workspaces-node-1";
  KubernetesClient kube = new KubeControlPlane().admin();
  LayerStore store;

  @AfterEach
  void close() throws Exception {
    if (store != null) {
      store.close();
    }
    kube.resources(NodeCache.class).withName(NODE).delete();
  }

  @Test
  void aWorkspaceOfTheNodeCacheIsFoundByNamespaceAndNameIfThisAgentMountedIt() throws Exception {
    store = LayerStore.open(root);
    Files.createDirectories(store.layout().layerDiff(LAYER));
    WorkspaceManager workspaces =
        new WorkspaceManager(
            store,
            new RecordingMounter(),
            new KernelFeatures(true, true, true, true, true, true, true, false),
            Clock.systemUTC());
    ImageRecord image =
        new ImageRecord(
            "registry.local/app:1",
            "sha256:" + "f".repeat(64),
            "linux/amd64",
            List.of(new ImageRecord.Layer(LAYER, LAYER, "t", 1)),
            java.time.Instant.EPOCH);
    WorkspaceRef ref = new WorkspaceRef();
    ref.setUid(UID);
    ref.setNamespace("team-a");
    ref.setName("build");
    ref.setLowers(List.of(LAYER)); // required by the schema (the CRUD mock took it without)
    NodeCacheSpec spec = new NodeCacheSpec();
    spec.setWorkspaces(List.of(ref));
    NodeCache cache = new NodeCache();
    cache.setMetadata(new ObjectMetaBuilder().withName(NODE).build());
    cache.setSpec(spec);
    kube.resource(cache).create();
    NodeCacheWorkspaces named = new NodeCacheWorkspaces(kube, NODE, workspaces);

    assertThat(named.find("team-a", "build")).isEmpty(); // not mounted here (yet)
    workspaces.ensure(WorkspaceRequest.ephemeral(UID, image, NodeAgent.OWNER_PREFIX + NODE));
    assertThat(named.find("team-a", "build")).contains(UID);
    assertThat(named.find("team-b", "build")).isEmpty();
    assertThat(named.find("team-a", "other")).isEmpty();
    assertThat(
            new NodeCacheWorkspaces(kube, "workspaces-node-2", workspaces).find("team-a", "build"))
        .isEmpty();
  }
}
