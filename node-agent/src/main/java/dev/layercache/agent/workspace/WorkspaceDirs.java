package dev.layercache.agent.workspace;

import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The directories of workspaces: staged whole, emptied for the kernel, renamed away to delete. */
final class WorkspaceDirs {
  private WorkspaceDirs() {}

  /**
   * A new workspace's directory under a dot-name in {@code workspaces} (debris until it is renamed
   * into place): empty upper, work and merged, the upper's root given the image's root attributes.
   * The workspace's name stays out of the dot-name, so a 253-character name still fits NAME_MAX.
   */
  static WorkspaceLayout stage(Path workspaces, Path topLower) throws IOException {
    Files.createDirectories(workspaces);
    WorkspaceLayout staged = new WorkspaceLayout(workspaces.resolve(".new-" + UUID.randomUUID()));
    Files.createDirectory(staged.dir());
    Files.createDirectory(staged.upper());
    Files.createDirectory(staged.work());
    Files.createDirectory(staged.merged());
    copyRootAttributes(topLower, staged.upper());
    return staged;
  }

  /** The workdir is the kernel's scratch space: empty it whenever nothing has it mounted. */
  static void resetWork(WorkspaceLayout dirs) throws IOException {
    DirFd.deleteTree(dirs.work());
    Files.createDirectory(dirs.work());
  }

  /** Replaces the upper with an empty one, as after a crash of a volatile mount. */
  static void emptyUpper(WorkspaceLayout dirs, Path topLower) throws IOException {
    DirFd.deleteTree(dirs.upper());
    Files.createDirectory(dirs.upper());
    copyRootAttributes(topLower, dirs.upper());
  }

  /** Renames the workspace directory out of the way (its name is free at once), then deletes it. */
  static void discard(Path workspaces, WorkspaceLayout dirs) throws IOException {
    Path trash = workspaces.resolve(".trash-" + UUID.randomUUID());
    try {
      Files.move(dirs.dir(), trash, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return;
    }
    DirFd.deleteTree(trash);
  }

  /** The merged root shows the upper root's mode and owner: give it the image's. */
  private static void copyRootAttributes(Path topLower, Path upper) throws IOException {
    Map<String, Object> attrs =
        Files.readAttributes(topLower, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
    Files.setPosixFilePermissions(upper, permissions((Integer) attrs.get("mode")));
    Syscalls.lchown(upper, (Integer) attrs.get("uid"), (Integer) attrs.get("gid"));
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < order.length; i++) {
      if ((mode & (1 << i)) != 0) {
        perms.add(order[i]);
      }
    }
    return perms;
  }
}
