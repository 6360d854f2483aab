package dev.layercache.agent.csi;

import dev.layercache.agent.standalone.StandaloneReconciler;
import dev.layercache.agent.workspace.WorkspaceManager;
import java.io.IOException;
import java.util.Optional;

/**
 * The OverlayWorkspaces {@code layercache apply} created on this machine: the workspace named after
 * the object, and owned by it (a CLI workspace that happens to have the name is not one).
 */
public final class AppliedWorkspaces implements NamedWorkspaces {
  private final WorkspaceManager workspaces;

  public AppliedWorkspaces(WorkspaceManager workspaces) {
    this.workspaces = workspaces;
  }

  @Override
  public Optional<String> find(String namespace, String name) throws IOException {
    String workspace = StandaloneReconciler.workspaceName(namespace, name);
    if (!WorkspaceManager.NAME.matcher(workspace).matches()) {
      return Optional.empty();
    }
    return workspaces
        .get(workspace)
        .filter(ws -> ws.record().owner().equals(StandaloneReconciler.owner(namespace, name)))
        .map(ws -> ws.record().name());
  }
}
