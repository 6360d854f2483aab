package dev.layercache.agent.cluster;

import dev.layercache.agent.csi.NamedWorkspaces;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The OverlayWorkspaces this node holds, as its NodeCache spec names them: the workspace is named
 * after the OverlayWorkspace's UID and owned by this node's agent. Read from the API server on each
 * lookup (a pod's volume is published once), so it is never staler than the spec.
 */
public final class NodeCacheWorkspaces implements NamedWorkspaces {
  private final KubernetesClient kube;
  private final String nodeName;
  private final WorkspaceManager workspaces;

  public NodeCacheWorkspaces(KubernetesClient kube, String nodeName, WorkspaceManager workspaces) {
    this.kube = kube;
    this.nodeName = nodeName;
    this.workspaces = workspaces;
  }

  @Override
  public Optional<String> find(String namespace, String name) throws IOException {
    NodeCache cache = kube.resources(NodeCache.class).withName(nodeName).get();
    if (cache == null || cache.getSpec() == null || cache.getSpec().getWorkspaces() == null) {
      return Optional.empty();
    }
    List<WorkspaceRef> refs = cache.getSpec().getWorkspaces();
    for (WorkspaceRef ref : refs) {
      if (namespace.equals(ref.getNamespace())
          && name.equals(ref.getName())
          && ref.getUid() != null
          && WorkspaceManager.NAME.matcher(ref.getUid()).matches()) {
        return workspaces
            .get(ref.getUid())
            .filter(ws -> ws.record().owner().equals(NodeAgent.OWNER_PREFIX + nodeName))
            .map(ws -> ws.record().name());
      }
    }
    return Optional.empty();
  }
}
