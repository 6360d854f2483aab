package dev.layercache.agent.workspace;

import dev.layercache.agent.kernel.BindMount;
import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.OverlayMount;
import dev.layercache.agent.store.StoreLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Turns a workspace record into the overlay mount that realises it. Pure: no I/O. */
public final class MountPlanner {
  private MountPlanner() {}

  /**
   * lowerdir = the record's layers top first; upper and work in the workspace's directory;
   * nosuid/nodev unless the record allows setuid/devices. {@code index}, {@code redirect_dir} and
   * {@code metacopy} are turned off where the kernel has them: with them on, the upper layer holds
   * redirects and metadata-only copies instead of whole files, and commit could not turn it into a
   * self-contained OCI layer (Docker's overlay2 turns index off for the same reason of
   * portability). {@code volatile} only when the record says so and the kernel has it.
   */
  public static OverlayMount plan(
      WorkspaceRecord record, StoreLayout store, WorkspaceLayout dirs, KernelFeatures kernel) {
    List<Path> lowers = new ArrayList<>();
    for (int i = record.lowers().size() - 1; i >= 0; i--) {
      lowers.add(store.layerDiff(record.lowers().get(i)));
    }
    List<String> options = new ArrayList<>();
    if (kernel.index()) {
      options.add("index=off");
    }
    if (kernel.redirectDir()) {
      options.add("redirect_dir=off");
    }
    if (kernel.metacopy()) {
      options.add("metacopy=off");
    }
    if (record.volatileUpper() && kernel.volatileUpper()) {
      options.add("volatile");
    }
    return new OverlayMount(
        dirs.merged(),
        lowers,
        dirs.upper(),
        dirs.work(),
        options,
        !record.allowSetuid(),
        !record.allowDevices());
  }

  /**
   * The workspace's merged view shown again at {@code target}: the same overlay (one upper, never
   * mounted twice), with the workspace's nosuid/nodev and read-only if asked.
   */
  public static BindMount bind(
      WorkspaceRecord record, WorkspaceLayout dirs, Path target, boolean readOnly) {
    return new BindMount(
        dirs.merged(), target, readOnly, !record.allowSetuid(), !record.allowDevices());
  }
}
