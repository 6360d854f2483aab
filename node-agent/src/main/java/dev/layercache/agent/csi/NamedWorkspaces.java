package dev.layercache.agent.csi;

import java.io.IOException;
import java.util.Optional;

/**
 * Finds the workspace that an OverlayWorkspace of a namespace is on this node. Who answers depends
 * on the host: {@code layercache apply} names its workspaces after the object; the in-cluster agent
 * knows them from its NodeCache.
 */
@FunctionalInterface
public interface NamedWorkspaces {

  /** The node's workspace for OverlayWorkspace {@code namespace/name}, if it has one. */
  Optional<String> find(String namespace, String name) throws IOException;

  /** None at all: a host that serves only inline volumes. */
  NamedWorkspaces NONE = (namespace, name) -> Optional.empty();
}
