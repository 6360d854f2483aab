package dev.layercache.operator.workspace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import dev.layercache.api.v1alpha1.WorkspaceStatus;
import dev.layercache.operator.nodecache.NodeCacheView;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What of each node's NodeCache a workspace's status reads, as last seen, so that a new report
 * wakes only the workspaces it says something new about: at 100 workspaces a node, waking all of
 * them on each report cost about 7 reconciles per workspace.
 */
final class NodeReports {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A node's NodeCache as of {@code resourceVersion}: its layers and readiness (what every
   * workspace on it reads), its per-workspace reports, and what changed from the one before.
   */
  private record Seen(
      String resourceVersion,
      JsonNode layers,
      boolean ready,
      Map<String, JsonNode> workspaces,
      Change change) {}

  /** What a NodeCache event changed for the workspaces on its node. */
  sealed interface Change {}

  /** The node's layers or readiness changed, or it is new or gone: every workspace may read it. */
  record Everything() implements Change {}

  /** Only the reports of these workspaces (by uid) changed. */
  record Workspaces(Set<String> uids) implements Change {}

  private final Map<String, Seen> lastSeen = new ConcurrentHashMap<>();

  /**
   * Remembers {@code nodeCache} as its node's latest and says what changed since the previous. The
   * same version asked again gets the same answer: JOSDK maps each event twice (for its index, then
   * for the event).
   */
  Change update(NodeCache nodeCache) {
    String node = nodeCache.getMetadata().getName();
    String version = nodeCache.getMetadata().getResourceVersion();
    Seen before = lastSeen.get(node);
    if (before != null && Objects.equals(before.resourceVersion(), version)) {
      return before.change();
    }
    NodeCacheStatus status = nodeCache.getStatus();
    JsonNode layers =
        JSON.valueToTree(
            status == null ? List.of() : Objects.requireNonNullElse(status.getLayers(), List.of()));
    boolean ready = NodeCacheView.of(nodeCache).isReady();
    Map<String, JsonNode> reports = reports(status);
    Change change = changed(before, layers, ready, reports);
    lastSeen.put(node, new Seen(version, layers, ready, reports, change));
    return change;
  }

  private static Change changed(
      Seen before, JsonNode layers, boolean ready, Map<String, JsonNode> reports) {
    if (before == null || before.ready() != ready || !before.layers().equals(layers)) {
      return new Everything();
    }
    Set<String> changed = new HashSet<>();
    reports.forEach(
        (uid, report) -> {
          if (!report.equals(before.workspaces().get(uid))) {
            changed.add(uid);
          }
        });
    before.workspaces().keySet().stream()
        .filter(uid -> !reports.containsKey(uid))
        .forEach(changed::add);
    return new Workspaces(changed);
  }

  /** The node's NodeCache is gone: whatever comes next is news to every workspace on it. */
  Change forget(String node) {
    lastSeen.remove(node);
    return new Everything();
  }

  private static Map<String, JsonNode> reports(NodeCacheStatus status) {
    List<WorkspaceStatus> reports =
        status == null ? List.of() : Objects.requireNonNullElse(status.getWorkspaces(), List.of());
    Map<String, JsonNode> byUid = new HashMap<>();
    for (WorkspaceStatus report : reports) {
      byUid.put(report.getUid(), JSON.valueToTree(report));
    }
    return byUid;
  }
}
