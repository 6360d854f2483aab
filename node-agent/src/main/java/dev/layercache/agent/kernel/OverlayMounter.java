package dev.layercache.agent.kernel;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The one class that mounts and unmounts overlays (and binds of them).
 *
 * <p>With the new mount API and {@code lowerdir+} (Linux 6.8+), every lower layer is its own
 * fsconfig(2) call, so there is no limit on the number of layers or the length of their paths.
 * Otherwise it falls back to mount(2) with short symlinks in {@code linkDir} (as Docker's overlay2
 * {@code l/} directory) named relative to its parent: the mount runs on one dedicated thread that
 * unshared its filesystem context (unshare CLONE_FS) and chdir'ed there, so the JVM's working
 * directory never moves. Each layer then costs 16 bytes ({@code l/} + 12 + ':'), about 250 layers a
 * page. It refuses an option string that would not fit in one page: mount(2) copies at most 4095
 * bytes of it and silently drops the rest, and a cut that lands on a ':' would mount fewer layers
 * without any error.
 */
public final class OverlayMounter implements Mounter {
  /** mount(2) copies one page of option data, NUL included. */
  public static final int MAX_OPTIONS_BYTES = 4095;

  private static final int LINK_NAME_CHARS = 12;

  private final KernelFeatures features;
  private final Path linkDir;
  private ExecutorService mountThread;

  /**
   * @param linkDir where the mount(2) fallback keeps its short links to lower directories
   */
  public OverlayMounter(KernelFeatures features, Path linkDir) {
    this.features = features;
    this.linkDir = linkDir;
  }

  @Override
  public void mount(OverlayMount mount) throws IOException {
    if (!features.overlay()) {
      throw new MountException(
          "cannot mount " + mount.target() + ": overlayfs needs root and a kernel that has it");
    }
    if (features.lowerdirPlus()) {
      mountWithFsconfig(mount);
    } else {
      mountWithShortLinks(mount);
    }
  }

  private static void mountWithFsconfig(OverlayMount mount) throws MountException {
    int fsfd = -1;
    int mfd = -1;
    try {
      fsfd = Syscalls.fsopen(OverlayMount.FSTYPE);
      Syscalls.fsconfig(fsfd, "source", OverlayMount.SOURCE);
      for (Path lower : mount.lowers()) {
        Syscalls.fsconfig(fsfd, "lowerdir+", lower.toString());
      }
      if (mount.upper() != null) {
        Syscalls.fsconfig(fsfd, "upperdir", mount.upper().toString());
        Syscalls.fsconfig(fsfd, "workdir", mount.work().toString());
      }
      for (String option : mount.options()) {
        int eq = option.indexOf('=');
        Syscalls.fsconfig(
            fsfd,
            eq < 0 ? option : option.substring(0, eq),
            eq < 0 ? null : option.substring(eq + 1));
      }
      Syscalls.fsconfigCreate(fsfd, mount.target().toString());
      int attrs =
          (mount.nosuid() ? Syscalls.MOUNT_ATTR_NOSUID : 0)
              | (mount.nodev() ? Syscalls.MOUNT_ATTR_NODEV : 0);
      mfd = Syscalls.fsmount(fsfd, attrs, mount.target().toString());
      Syscalls.moveMount(mfd, mount.target());
    } catch (SyscallException e) {
      throw new MountException("mount of " + mount.target(), mount.describe(), e);
    } finally {
      if (mfd >= 0) {
        Syscalls.closeFd(mfd);
      }
      if (fsfd >= 0) {
        Syscalls.closeFd(fsfd);
      }
    }
  }

  private void mountWithShortLinks(OverlayMount mount) throws IOException {
    List<String> names = new ArrayList<>();
    for (Path lower : mount.lowers()) {
      names.add(linkDir.getFileName().resolve(shortLink(lower).getFileName()).toString());
    }
    String data = mount.data(names);
    int bytes = data.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_OPTIONS_BYTES) {
      throw new MountException(
          "cannot mount "
              + mount.target()
              + ": the overlay option string is "
              + bytes
              + " bytes with "
              + mount.lowers().size()
              + " layers, over the "
              + MAX_OPTIONS_BYTES
              + " bytes mount(2) accepts (this kernel has no lowerdir+; use a shorter --root)");
    }
    long flags =
        (mount.nosuid() ? Syscalls.MS_NOSUID : 0) | (mount.nodev() ? Syscalls.MS_NODEV : 0);
    Future<?> done =
        mountThread()
            .submit(
                () -> {
                  Syscalls.chdir(linkDir.getParent());
                  Syscalls.mount(
                      OverlayMount.SOURCE, mount.target(), OverlayMount.FSTYPE, flags, data);
                  return null;
                });
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while mounting " + mount.target());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SyscallException failure) {
        throw new MountException(
            "mount of " + mount.target(), mount.describe() + " data=" + data, failure);
      }
      throw new IOException("mount of " + mount.target() + " failed", e.getCause());
    }
  }

  /** The one thread with its own working directory, started on first use. */
  private synchronized ExecutorService mountThread() throws IOException {
    if (mountThread == null) {
      ExecutorService thread =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "overlay-mount");
                t.setDaemon(true);
                return t;
              });
      try {
        thread
            .submit(
                () -> {
                  Syscalls.unshareFs();
                  return null;
                })
            .get();
      } catch (InterruptedException | ExecutionException e) {
        thread.shutdownNow();
        throw new IOException("cannot prepare the mount thread", e);
      }
      mountThread = thread;
    }
    return mountThread;
  }

  /** linkDir/HASH → lower: the same lower always gets the same short name. */
  Path shortLink(Path lower) throws IOException {
    return shortLink(linkDir, lower);
  }

  /**
   * {@code linkDir/HASH} → {@code lower}, created if missing: a short, stable name for a lower
   * directory (also what the snapshotter hands containerd, which compacts the common prefix).
   */
  public static Path shortLink(Path linkDir, Path lower) throws IOException {
    Files.createDirectories(linkDir);
    Path link = linkDir.resolve(shortName(lower));
    try {
      Files.createSymbolicLink(link, lower);
    } catch (FileAlreadyExistsException e) {
      if (!Files.readSymbolicLink(link).equals(lower)) {
        Files.delete(link);
        Files.createSymbolicLink(link, lower);
      }
    }
    return link;
  }

  static String shortName(Path lower) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(lower.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, LINK_NAME_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void unmount(Path target, boolean detach) throws IOException {
    try {
      Syscalls.umount(target, detach ? Syscalls.MNT_DETACH : 0);
    } catch (SyscallException e) {
      throw new MountException(
          (detach ? "lazy unmount of " : "unmount of ") + target,
          "type=" + OverlayMount.FSTYPE + " target=" + target,
          e);
    }
  }

  /**
   * mount(2) with MS_BIND, then a bind remount that sets the flags: the first call copies the
   * source's flags and ignores the ones given, so ro/nosuid/nodev need the second.
   */
  @Override
  public void bind(BindMount bind) throws IOException {
    try {
      Syscalls.mount(bind.source().toString(), bind.target(), null, Syscalls.MS_BIND, null);
    } catch (SyscallException e) {
      throw new MountException("bind mount of " + bind.target(), bind.describe(), e);
    }
    long flags =
        Syscalls.MS_REMOUNT
            | Syscalls.MS_BIND
            | (bind.readOnly() ? Syscalls.MS_RDONLY : 0)
            | (bind.nosuid() ? Syscalls.MS_NOSUID : 0)
            | (bind.nodev() ? Syscalls.MS_NODEV : 0);
    try {
      Syscalls.mount(null, bind.target(), null, flags, null);
    } catch (SyscallException e) {
      MountException failure =
          new MountException("bind mount of " + bind.target(), bind.describe(), e);
      try {
        Syscalls.umount(bind.target(), Syscalls.MNT_DETACH);
      } catch (SyscallException cleanup) {
        failure.addSuppressed(cleanup);
      }
      throw failure;
    }
  }

  @Override
  public void setFlags(Path target, boolean nosuid, boolean nodev) throws IOException {
    long flags =
        Syscalls.MS_REMOUNT
            | Syscalls.MS_BIND
            | (nosuid ? Syscalls.MS_NOSUID : 0)
            | (nodev ? Syscalls.MS_NODEV : 0);
    try {
      Syscalls.mount(null, target, null, flags, null);
    } catch (SyscallException e) {
      throw new MountException(
          "remount of " + target, "target=" + target + " flags=0x" + Long.toHexString(flags), e);
    }
  }

  @Override
  public List<MountPoint> overlayMounts() throws IOException {
    return MountInfo.read().stream().filter(m -> m.fstype().equals(OverlayMount.FSTYPE)).toList();
  }
}
