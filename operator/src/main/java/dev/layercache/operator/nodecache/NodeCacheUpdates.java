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

  public static boolean meaningful(NodeCache after, NodeCache before) {
    return !Objects.equals(
            after.getMetadata().getGeneration(), before.getMetadata().getGeneration())
        || !StoredForm.sameIgnoring(after.getStatus(), before.getStatus(), "lastSyncTime");
  }
}
