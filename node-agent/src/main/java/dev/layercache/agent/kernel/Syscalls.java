package dev.layercache.agent.kernel;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * Checked wrappers over the Linux system calls layercache needs. This class and {@link DirFd} are
 * the only code that touches jnr-ffi; failures become {@link SyscallException}s.
 */
public final class Syscalls {
  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_REMOUNT = 32;
  public static final long MS_BIND = 4096;
  public static final int MNT_DETACH = 2;

  /** Mount attributes of the new mount API (fsmount(2)): the same flags as MS_*, renumbered. */
  public static final int MOUNT_ATTR_RDONLY = 0x1;

  public static final int MOUNT_ATTR_NOSUID = 0x2;
  public static final int MOUNT_ATTR_NODEV = 0x4;

  static final int CLONE_FS = 0x200;
  static final int FSOPEN_CLOEXEC = 1;
  static final int FSMOUNT_CLOEXEC = 1;
  static final int FSCONFIG_SET_FLAG = 0;
  static final int FSCONFIG_SET_STRING = 1;
  static final int FSCONFIG_CMD_CREATE = 6;
  static final int MOVE_MOUNT_F_EMPTY_PATH = 0x4;

  public static final int S_IFMT = 0170000;
  public static final int S_IFIFO = 0010000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFREG = 0100000;

  static final int AT_FDCWD = -100;
  static final int AT_SYMLINK_NOFOLLOW = 0x100;
  static final int AT_REMOVEDIR = 0x200;
  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_CLOEXEC = 02000000;
  // arm64 numbers these two differently from x86_64 (and most others).
  private static final boolean ARM64 = "aarch64".equals(System.getProperty("os.arch"));
  static final int O_DIRECTORY = ARM64 ? 040000 : 0200000;
  static final int O_NOFOLLOW = ARM64 ? 0100000 : 0400000;

  static final int ENOENT = 2;
  static final int EEXIST = 17;
  static final int EISDIR = 21;
  static final int ERANGE = 34;
  static final int ENODATA = 61;

  private static final Map<Integer, String> ERRNO_NAMES =
      Map.ofEntries(
          Map.entry(1, "EPERM"),
          Map.entry(2, "ENOENT"),
          Map.entry(4, "EINTR"),
          Map.entry(5, "EIO"),
          Map.entry(7, "E2BIG"),
          Map.entry(9, "EBADF"),
          Map.entry(11, "EAGAIN"),
          Map.entry(12, "ENOMEM"),
          Map.entry(13, "EACCES"),
          Map.entry(14, "EFAULT"),
          Map.entry(16, "EBUSY"),
          Map.entry(17, "EEXIST"),
          Map.entry(18, "EXDEV"),
          Map.entry(19, "ENODEV"),
          Map.entry(20, "ENOTDIR"),
          Map.entry(21, "EISDIR"),
          Map.entry(22, "EINVAL"),
          Map.entry(24, "EMFILE"),
          Map.entry(26, "ETXTBSY"),
          Map.entry(27, "EFBIG"),
          Map.entry(28, "ENOSPC"),
          Map.entry(30, "EROFS"),
          Map.entry(31, "EMLINK"),
          Map.entry(34, "ERANGE"),
          Map.entry(36, "ENAMETOOLONG"),
          Map.entry(38, "ENOSYS"),
          Map.entry(39, "ENOTEMPTY"),
          Map.entry(40, "ELOOP"),
          Map.entry(61, "ENODATA"),
          Map.entry(95, "EOPNOTSUPP"),
          Map.entry(122, "EDQUOT"));

  // Paths are encoded the way the JVM encodes java.nio.file.Path names.
  private static final Charset PATH_CHARSET =
      Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));

  private Syscalls() {}

  /** Loaded on first use, once per JVM. */
  private static final class Lib {
    static final LibC C = LibraryLoader.create(LibC.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(C);
  }

  static LibC libc() {
    return Lib.C;
  }

  static int errno() {
    return LastError.getLastError(Lib.RUNTIME);
  }

  static SyscallException failure(String call, String subject) {
    int errno = errno();
    return new SyscallException(
        call,
        subject,
        errno,
        ERRNO_NAMES.getOrDefault(errno, "errno " + errno),
        Lib.C.strerror(errno));
  }

  static byte[] cString(String s, Charset charset) {
    byte[] bytes = s.getBytes(charset);
    return Arrays.copyOf(bytes, bytes.length + 1);
  }

  static Charset pathCharset() {
    return PATH_CHARSET;
  }

  static byte[] cPath(Path path) {
    return cString(path.toString(), PATH_CHARSET);
  }

  static long[] timespecs(FileTime atime, FileTime mtime) {
    Instant a = atime.toInstant();
    Instant m = mtime.toInstant();
    return new long[] {a.getEpochSecond(), a.getNano(), m.getEpochSecond(), m.getNano()};
  }

  /** Whether this process runs as root (effective uid 0). */
  public static boolean isRoot() {
    return Lib.C.geteuid() == 0;
  }

  /** The dev_t for a device number, as glibc's makedev(3) builds it. */
  public static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32)
        | ((major & 0xfffL) << 8)
        | ((minor & 0xffffff00L) << 12)
        | (minor & 0xffL);
  }

  /** mknod(2): mode holds the file type ({@link #S_IFCHR}, ...) and the permission bits. */
  public static void mknod(Path path, int mode, int major, int minor) throws SyscallException {
    if (Lib.C.mknodat(AT_FDCWD, cPath(path), mode, makedev(major, minor)) != 0) {
      throw failure("mknod", path + " (" + nodeKind(mode) + " " + major + ":" + minor + ")");
    }
  }

  static String nodeKind(int mode) {
    return switch (mode & S_IFMT) {
      case S_IFCHR -> "char";
      case S_IFBLK -> "block";
      case S_IFIFO -> "fifo";
      case S_IFREG -> "file";
      default -> "mode " + Integer.toOctalString(mode);
    };
  }

  /** lchown(2): changes the owner of the link itself, never its target. */
  public static void lchown(Path path, int uid, int gid) throws SyscallException {
    if (Lib.C.fchownat(AT_FDCWD, cPath(path), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
      throw failure("lchown", path + " (" + uid + ":" + gid + ")");
    }
  }

  /** utimensat(2) with AT_SYMLINK_NOFOLLOW: sets the times of a symlink itself, too. */
  public static void setTimes(Path path, FileTime atime, FileTime mtime) throws SyscallException {
    long[] times = timespecs(atime, mtime);
    if (Lib.C.utimensat(AT_FDCWD, cPath(path), times, AT_SYMLINK_NOFOLLOW) != 0) {
      throw failure("utimensat", path.toString());
    }
  }

  /** lsetxattr(2): any namespace (user., trusted., security.), never following a symlink. */
  public static void setXattr(Path path, String name, byte[] value) throws SyscallException {
    if (Lib.C.lsetxattr(cPath(path), cString(name, StandardCharsets.UTF_8), value, value.length, 0)
        != 0) {
      throw failure("lsetxattr", path + " " + name);
    }
  }

  /** lgetxattr(2): the value, or empty when the attribute is not set. */
  public static Optional<byte[]> getXattr(Path path, String name) throws SyscallException {
    byte[] cpath = cPath(path);
    byte[] cname = cString(name, StandardCharsets.UTF_8);
    while (true) {
      long size = Lib.C.lgetxattr(cpath, cname, null, 0);
      if (size >= 0) {
        byte[] value = new byte[(int) size];
        long read = Lib.C.lgetxattr(cpath, cname, value, value.length);
        if (read >= 0) {
          return Optional.of(Arrays.copyOf(value, (int) read));
        }
      }
      int errno = errno();
      if (errno == ENODATA) {
        return Optional.empty();
      }
      if (errno != ERANGE) { // ERANGE: the value grew between the two calls
        throw failure("lgetxattr", path + " " + name);
      }
    }
  }

  /** llistxattr(2): the names of the extended attributes of a file, link or directory. */
  public static List<String> listXattrs(Path path) throws SyscallException {
    byte[] cpath = cPath(path);
    while (true) {
      long size = Lib.C.llistxattr(cpath, null, 0);
      if (size >= 0) {
        byte[] list = new byte[(int) size];
        long read = Lib.C.llistxattr(cpath, list, list.length);
        if (read >= 0) {
          List<String> names = new ArrayList<>();
          int start = 0;
          for (int i = 0; i < read; i++) {
            if (list[i] == 0) {
              names.add(new String(list, start, i - start, StandardCharsets.UTF_8));
              start = i + 1;
            }
          }
          return names;
        }
      }
      if (errno() != ERANGE) {
        throw failure("llistxattr", path.toString());
      }
    }
  }

  /** mount(2); source and fstype may be null (a remount). */
  public static void mount(String source, Path target, String fstype, long flags, String data)
      throws SyscallException {
    byte[] cdata = data == null ? null : cString(data, PATH_CHARSET);
    if (Lib.C.mount(
            source == null ? null : cString(source, PATH_CHARSET),
            cPath(target),
            fstype == null ? null : cString(fstype, PATH_CHARSET),
            flags,
            cdata)
        != 0) {
      throw failure(
          "mount",
          "source="
              + source
              + " target="
              + target
              + " type="
              + fstype
              + " flags=0x"
              + Long.toHexString(flags)
              + " options="
              + data);
    }
  }

  /** umount2(2); flags such as {@link #MNT_DETACH}. */
  public static void umount(Path target, int flags) throws SyscallException {
    if (Lib.C.umount2(cPath(target), flags) != 0) {
      throw failure("umount2", target.toString());
    }
  }

  /**
   * fsopen(2): a new filesystem context for {@code fstype}, configured with {@link #fsconfig} and
   * turned into a mount with {@link #fsmount}. Throws {@link UnsatisfiedLinkError} when libc is
   * older than glibc 2.36; callers probe once (see {@code KernelFeatures}).
   */
  public static int fsopen(String fstype) throws SyscallException {
    int fd = Lib.C.fsopen(cString(fstype, PATH_CHARSET), FSOPEN_CLOEXEC);
    if (fd < 0) {
      throw failure("fsopen", fstype);
    }
    return fd;
  }

  /**
   * fsconfig(2) FSCONFIG_SET_STRING, or FSCONFIG_SET_FLAG when value is null. The kernel checks the
   * parameter name here, so an unknown option fails at this call (EINVAL).
   */
  public static void fsconfig(int fsfd, String key, String value) throws SyscallException {
    int rc =
        value == null
            ? Lib.C.fsconfig(fsfd, FSCONFIG_SET_FLAG, cString(key, PATH_CHARSET), null, 0)
            : Lib.C.fsconfig(
                fsfd,
                FSCONFIG_SET_STRING,
                cString(key, PATH_CHARSET),
                cString(value, PATH_CHARSET),
                0);
    if (rc != 0) {
      throw failure("fsconfig", key + (value == null ? "" : "=" + value) + fsLog(fsfd));
    }
  }

  /** fsconfig(2) FSCONFIG_CMD_CREATE: creates the superblock from the parameters set so far. */
  public static void fsconfigCreate(int fsfd, String subject) throws SyscallException {
    if (Lib.C.fsconfig(fsfd, FSCONFIG_CMD_CREATE, null, null, 0) != 0) {
      throw failure("fsconfig(create)", subject + fsLog(fsfd));
    }
  }

  /** fsmount(2): a detached mount of the created superblock with MOUNT_ATTR_* flags. */
  public static int fsmount(int fsfd, int attrFlags, String subject) throws SyscallException {
    int fd = Lib.C.fsmount(fsfd, FSMOUNT_CLOEXEC, attrFlags);
    if (fd < 0) {
      throw failure("fsmount", subject + fsLog(fsfd));
    }
    return fd;
  }

  /** move_mount(2): attaches a detached mount (from fsmount) at target. */
  public static void moveMount(int mountFd, Path target) throws SyscallException {
    if (Lib.C.move_mount(mountFd, new byte[] {0}, AT_FDCWD, cPath(target), MOVE_MOUNT_F_EMPTY_PATH)
        != 0) {
      throw failure("move_mount", target.toString());
    }
  }

  /**
   * unshare(2) CLONE_FS for the calling thread: from now on its working directory is its own, so
   * {@link #chdir} in it does not move the JVM's other threads.
   */
  public static void unshareFs() throws SyscallException {
    if (Lib.C.unshare(CLONE_FS) != 0) {
      throw failure("unshare", "CLONE_FS");
    }
  }

  /** chdir(2): only ever in a thread that called {@link #unshareFs} first. */
  public static void chdir(Path dir) throws SyscallException {
    if (Lib.C.chdir(cPath(dir)) != 0) {
      throw failure("chdir", dir.toString());
    }
  }

  /** close(2) of a descriptor from fsopen or fsmount; errors are irrelevant there. */
  public static void closeFd(int fd) {
    Lib.C.close(fd);
  }

  /**
   * The messages the kernel logged on a filesystem context (what dmesg would show, e.g. "overlayfs:
   * failed to resolve ..."), read after a failure; "" when there are none.
   */
  private static String fsLog(int fsfd) {
    int errno = errno();
    StringBuilder log = new StringBuilder();
    byte[] buf = new byte[1024];
    for (int i = 0; i < 8; i++) {
      long n = Lib.C.read(fsfd, buf, buf.length);
      if (n <= 0) {
        break;
      }
      log.append(log.length() == 0 ? " [kernel: " : "; ")
          .append(new String(buf, 0, (int) n, StandardCharsets.UTF_8).strip());
    }
    LastError.setLastError(Lib.RUNTIME, errno); // the failure's errno, not read's
    return log.length() == 0 ? "" : log.append(']').toString();
  }

  /** statfs(2) of the filesystem holding path (64-bit Linux layout). */
  public static FsStats statfs(Path path) throws SyscallException {
    long[] buf = new long[16];
    if (Lib.C.statfs(cPath(path), buf) != 0) {
      throw failure("statfs", path.toString());
    }
    return new FsStats(buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6]);
  }

  /** syncfs(2): flushes the whole filesystem holding path, once, instead of fsync per file. */
  public static void syncfs(Path path) throws IOException {
    try (DirFd dir = DirFd.open(path)) {
      if (Lib.C.syncfs(dir.fd()) != 0) {
        throw failure("syncfs", path.toString());
      }
    }
  }
}
