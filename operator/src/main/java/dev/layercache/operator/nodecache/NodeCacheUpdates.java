package dev.layercache.operator.nodecache;

import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.operator.support.StoredForm;
import java.util.Objects;

/**
 * Which NodeCache updates are news to a controller: a new spec, or an agent report that says
 * something new. A status with only {@code lastSyncTime} moved (older agents' 30 s heartbeat) is
 * not.
 */
public final class NodeCacheUpdates {
  private NodeCacheUpdates() {}

  /**
   * News to a LayerCache: only the node's layers (asked for, and their states) and its disk
   * pressure count, not its workspaces, which at scale change far more often.
   */
  public static boolean layersChanged(NodeCache after, NodeCache before) {
    NodeCacheView now = NodeCacheView.of(after);
    NodeCacheView was = NodeCacheView.of(before);
    return !StoredForm.same(now.specLayers(), was.specLayers())
        || !StoredForm.same(layers(after), layers(before))
        || now.diskPressure() != was.diskPressure();
  }

  private static Object layers(NodeCache nodeCache) {
    return nodeCache.getStatus() == null ? null : nodeCache.getStatus().getLayers();
  }

  public static boolean meaningful(NodeCache after, NodeCache before) {
    return !Objects.equals(
            after.getMetadata().getGeneration(), before.getMetadata().getGeneration())
        || !StoredForm.sameIgnoring(after.getStatus(), before.getStatus(), "lastSyncTime");
  }
}
