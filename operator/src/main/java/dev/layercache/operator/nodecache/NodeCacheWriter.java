package dev.layercache.operator.nodecache;

import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.operator.support.OperatorMetrics;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Map;

/**
 * The one place NodeCache specs are written: created owned by their Node, or replaced whole with a
 * JSON Patch (see docs/operator.md for why not server-side apply yet).
 */
public final class NodeCacheWriter {
  private final KubernetesClient client;
  private final OperatorMetrics metrics;

  public NodeCacheWriter(KubernetesClient client, OperatorMetrics metrics) {
    this.client = client;
    this.metrics = metrics;
  }

  /** Creates the node's NodeCache with {@code spec}; one that already exists gets it patched in. */
  public NodeCache create(Node node, NodeCacheSpec spec) {
    NodeCache nodeCache = new NodeCache();
    nodeCache.getMetadata().setName(node.getMetadata().getName());
    // Owned by the Node: the garbage collector deletes the NodeCache with it.
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
    try {
      NodeCache created = client.resource(nodeCache).create();
      metrics.nodeCacheWritten();
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      return patch(node.getMetadata().getName(), spec);
    }
  }

  /**
   * A JSON Patch (RFC 6902) that replaces the spec whole and leaves the agent's status alone. Not a
   * merge patch: the CRUD mock appends arrays on merge patches where a server replaces them.
   */
  public NodeCache patch(String name, NodeCacheSpec spec) {
    String json =
        client
            .getKubernetesSerialization()
            .asJson(List.of(Map.of("op", "add", "path", "/spec", "value", spec)));
    NodeCache patched =
        client
            .resources(NodeCache.class)
            .withName(name)
            .patch(PatchContext.of(PatchType.JSON), json);
    metrics.nodeCacheWritten();
    return patched;
  }
}
