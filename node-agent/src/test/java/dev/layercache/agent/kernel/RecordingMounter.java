package dev.layercache.agent.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link Mounter} that mounts nothing: it keeps a mount table of its own and records every call,
 * so the engine's planning and recovery are tested without root. It answers as the kernel does: an
 * unmount of what is not mounted is EINVAL, of a busy mount EBUSY (unless detached).
 */
public final class RecordingMounter implements Mounter {
  /**
   * Every call, in order: "mount TARGET", "bind SOURCE TARGET [ro]", "unmount TARGET", "detach
   * TARGET", "flags TARGET …".
   */
  public final List<String> calls = new ArrayList<>();

  /** The mounts performed, in order. */
  public final List<OverlayMount> mounted = new ArrayList<>();

  /** Targets whose unmount fails with EBUSY, as if a process used them. */
  public final Set<Path> busy = new HashSet<>();

  private final Map<Path, MountPoint> table = new LinkedHashMap<>();

  @Override
  public void mount(OverlayMount mount) {
    calls.add("mount " + mount.target());
    mounted.add(mount);
    table.put(
        mount.target(),
        new MountPoint(
            mount.target(),
            OverlayMount.FSTYPE,
            OverlayMount.SOURCE,
            mount.data(mount.lowers().stream().map(Path::toString).toList())));
  }

  /** As the kernel: the target shows the source's overlay (its super options), ENOENT if none. */
  @Override
  public void bind(BindMount bind) throws IOException {
    calls.add("bind " + bind.source() + " " + bind.target() + (bind.readOnly() ? " ro" : ""));
    MountPoint source = table.get(bind.source());
    if (source == null) {
      throw new MountException(
          "bind mount of " + bind.target(), "test", errno("mount", bind.source(), 2));
    }
    table.put(
        bind.target(),
        new MountPoint(bind.target(), source.fstype(), source.source(), source.superOptions()));
  }

  @Override
  public void unmount(Path target, boolean detach) throws IOException {
    calls.add((detach ? "detach " : "unmount ") + target);
    if (!table.containsKey(target)) {
      throw new MountException("unmount of " + target, "test", errno("umount2", target, 22));
    }
    if (busy.contains(target) && !detach) {
      throw new MountException("unmount of " + target, "test", errno("umount2", target, 16));
    }
    table.remove(target);
    busy.remove(target);
  }

  @Override
  public void setFlags(Path target, boolean nosuid, boolean nodev) {
    calls.add("flags " + target + (nosuid ? " nosuid" : "") + (nodev ? " nodev" : ""));
  }

  @Override
  public List<MountPoint> overlayMounts() {
    return List.copyOf(table.values());
  }

  /** A mount that vanished behind the engine's back (a reboot, someone's umount). */
  public void lose(Path target) {
    table.remove(target);
  }

  /** An overlay someone else left mounted. */
  public void add(Path target) {
    table.put(target, new MountPoint(target, OverlayMount.FSTYPE, OverlayMount.SOURCE, ""));
  }

  public boolean isMounted(Path target) {
    return table.containsKey(target);
  }

  private static SyscallException errno(String call, Path target, int errno) {
    return new SyscallException(
        call,
        target.toString(),
        errno,
        switch (errno) {
          case 2 -> "ENOENT";
          case 16 -> "EBUSY";
          default -> "EINVAL";
        },
        "test");
  }
}
