package dev.layercache.agent.workspace;

import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.MountException;
import dev.layercache.agent.kernel.MountPoint;
import dev.layercache.agent.kernel.Mounter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reconciles the recorded workspaces with the kernel's mount table after a start: keeps those still
 * mounted, mounts the missing ones (discarding a volatile upper the kernel would refuse), unmounts
 * overlays under the workspace directory that no record wants (orphans), and removes debris of
 * interrupted creates and removals. One workspace's failure is reported, not thrown, so the others
 * still recover.
 */
final class WorkspaceRecovery {
  private final WorkspaceManager manager;
  private final WorkspaceRecords records;
  private final Mounter mounter;
  private final RecoveryReport report = RecoveryReport.empty();

  WorkspaceRecovery(WorkspaceManager manager, WorkspaceRecords records, Mounter mounter) {
    this.manager = manager;
    this.records = records;
    this.mounter = mounter;
  }

  RecoveryReport run() throws IOException {
    Map<Path, MountPoint> mounts = new HashMap<>();
    for (MountPoint mount : mounter.overlayMounts()) {
      if (mount.target().startsWith(records.dir())) {
        mounts.put(mount.target(), mount);
      }
    }
    Set<Path> wanted = new LinkedHashSet<>();
    for (Path dir : records.entries()) {
      String name = dir.getFileName().toString();
      WorkspaceLayout dirs = new WorkspaceLayout(dir);
      if (name.startsWith(".")) {
        for (Path target : List.copyOf(mounts.keySet())) {
          if (target.startsWith(dir)) {
            unmountOrphan(target);
            mounts.remove(target);
          }
        }
        DirFd.deleteTree(dir);
        report.debris().add(dir.toString());
        continue;
      }
      Optional<WorkspaceRecord> record;
      try {
        record = records.read(name);
      } catch (IOException e) {
        report.failures().add("workspace " + name + ": unreadable record: " + e.getMessage());
        wanted.add(dirs.merged()); // leave its mount alone until someone looks
        continue;
      }
      if (record.isEmpty() || record.get().state() != WorkspaceRecord.State.ACTIVE) {
        continue;
      }
      wanted.add(dirs.merged());
      if (mounts.containsKey(dirs.merged())) {
        report.kept().add(name);
        continue;
      }
      try {
        if (manager.remount(record.get(), dirs)) {
          report.discardedVolatile().add(name);
        }
        report.remounted().add(name);
      } catch (IOException e) {
        report.failures().add("workspace " + name + ": " + e.getMessage());
      }
    }
    for (Path target : mounts.keySet()) {
      if (!wanted.contains(target)) {
        unmountOrphan(target);
      }
    }
    return report;
  }

  private void unmountOrphan(Path target) {
    try {
      mounter.unmount(target, false);
      report.orphans().add(target + ": unmounted");
    } catch (MountException e) {
      if (!e.isBusy()) {
        report.failures().add("orphan " + target + ": " + e.getMessage());
        return;
      }
      List<String> holders = BusyHolders.find(target);
      try {
        mounter.unmount(target, true);
        report
            .orphans()
            .add(
                target + ": busy" + (holders.isEmpty() ? "" : " (" + holders + ")") + ", detached");
      } catch (IOException again) {
        report.failures().add("orphan " + target + ": " + again.getMessage());
      }
    } catch (IOException e) {
      report.failures().add("orphan " + target + ": " + e.getMessage());
    }
  }
}
