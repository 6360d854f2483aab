package dev.layercache.agent.workspace;

import dev.layercache.agent.store.ImageRecord;

/**
 * What a caller asks for: a workspace named {@code name} over {@code image}'s cached layers.
 *
 * @param retain keep the upper layer on delete (reclaimPolicy Retain); retained workspaces are
 *     never mounted {@code volatile}
 * @param sizeLimitBytes largest upper layer wanted, or null
 * @param owner {@code cli}, or the object that asked for it
 */
public record WorkspaceRequest(
    String name,
    ImageRecord image,
    boolean retain,
    boolean allowSetuid,
    boolean allowDevices,
    Long sizeLimitBytes,
    String owner) {

  public static WorkspaceRequest ephemeral(String name, ImageRecord image, String owner) {
    return new WorkspaceRequest(name, image, false, false, false, null, owner);
  }
}
