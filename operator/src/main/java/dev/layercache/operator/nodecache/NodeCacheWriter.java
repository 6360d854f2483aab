package dev.layercache.operator.nodecache;

import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.operator.support.OperatorMetrics;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * The one place NodeCache specs are written: server-side apply of the whole spec, owned by the
 * node, under this writer's own field manager (see docs/operator.md). The agent's status is another
 * manager's, written through the status subresource, so the two never overwrite each other.
 */
public final class NodeCacheWriter {
  /** The field manager of NodeCache specs (and of their owner reference). */
  public static final String FIELD_MANAGER = "layercache-operator-nodecache";

  private final KubernetesClient client;
  private final OperatorMetrics metrics;

  public NodeCacheWriter(KubernetesClient client, OperatorMetrics metrics) {
    this.client = client;
    this.metrics = metrics;
  }

  /**
   * Creates the node's NodeCache with {@code spec}, or makes an existing one's spec exactly {@code
   * spec}: what this manager applied before and leaves out now is removed. Owned by the Node, so
   * the garbage collector deletes it with the Node.
   */
  public NodeCache apply(Node node, NodeCacheSpec spec) {
    NodeCache nodeCache = new NodeCache();
    nodeCache.getMetadata().setName(node.getMetadata().getName());
    nodeCache
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("Node")
                    .withName(node.getMetadata().getName())
                    .withUid(node.getMetadata().getUid())
                    .build()));
    nodeCache.setSpec(spec);
    // Forced: the spec is the operator's alone; a hand edit is reverted, as it was before.
    NodeCache applied =
        client.resource(nodeCache).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    metrics.nodeCacheWritten();
    return applied;
  }
}
