package dev.layercache.agent.kernel;

import static dev.layercache.agent.kernel.Syscalls.AT_REMOVEDIR;
import static dev.layercache.agent.kernel.Syscalls.AT_SYMLINK_NOFOLLOW;
import static dev.layercache.agent.kernel.Syscalls.EISDIR;
import static dev.layercache.agent.kernel.Syscalls.ENOENT;
import static dev.layercache.agent.kernel.Syscalls.O_CLOEXEC;
import static dev.layercache.agent.kernel.Syscalls.O_CREAT;
import static dev.layercache.agent.kernel.Syscalls.O_DIRECTORY;
import static dev.layercache.agent.kernel.Syscalls.O_EXCL;
import static dev.layercache.agent.kernel.Syscalls.O_NOFOLLOW;
import static dev.layercache.agent.kernel.Syscalls.O_RDONLY;
import static dev.layercache.agent.kernel.Syscalls.O_WRONLY;
import static dev.layercache.agent.kernel.Syscalls.failure;
import static dev.layercache.agent.kernel.Syscalls.libc;

import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * An open directory and the *at system calls relative to it. Relative names are raw file-name bytes
 * carried in ISO-8859-1 strings (one char per byte), so any name reaches the kernel intact. None of
 * the calls follows a symlink in the last component.
 */
public final class DirFd implements Closeable {
  private static final int DT_DIR = 4;
  // struct dirent64 on 64-bit Linux: d_ino(8) d_off(8) d_reclen(2) d_type(1) d_name[].
  private static final int DIRENT_TYPE = 18;
  private static final int DIRENT_NAME = 19;

  private final int fd;
  private final Path path;
  private boolean closed;

  private DirFd(int fd, Path path) {
    this.fd = fd;
    this.path = path;
  }

  /** Opens a directory; fails if path is a symlink or not a directory. */
  public static DirFd open(Path dir) throws SyscallException {
    int fd =
        libc()
            .openat(
                Syscalls.AT_FDCWD,
                Syscalls.cPath(dir),
                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
                0);
    if (fd < 0) {
      throw failure("open", dir.toString());
    }
    return new DirFd(fd, dir);
  }

  /**
   * Removes path and everything below it without following any symlink; a missing path is fine.
   * Works through read-only directories (as root, or by making them writable first).
   */
  public static void deleteTree(Path path) throws SyscallException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent == null) {
      throw new IllegalArgumentException("refusing to delete /");
    }
    try (DirFd dir = open(parent)) {
      dir.deleteTree(latin1(path.getFileName().toString().getBytes(Syscalls.pathCharset())));
    }
  }

  int fd() {
    return fd;
  }

  /** The path this directory was opened at (for messages). */
  public Path path() {
    return path;
  }

  private static byte[] c(String name) {
    return Syscalls.cString(name, StandardCharsets.ISO_8859_1);
  }

  private static String latin1(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  private String show(String name) {
    return path + "/" + latin1Display(name);
  }

  public void mkdir(String name, int mode) throws SyscallException {
    if (libc().mkdirat(fd, c(name), mode) != 0) {
      throw failure("mkdir", show(name));
    }
  }

  /** mknod(2) relative to this directory; mode holds the file type and permission bits. */
  public void mknod(String name, int mode, long major, long minor) throws SyscallException {
    if (libc().mknodat(fd, c(name), mode, Syscalls.makedev(major, minor)) != 0) {
      throw failure(
          "mknod", show(name) + " (" + Syscalls.nodeKind(mode) + " " + major + ":" + minor + ")");
    }
  }

  /** Creates a symlink holding target verbatim; the target is never resolved. */
  public void symlink(String target, String name) throws SyscallException {
    if (libc().symlinkat(c(target), fd, c(name)) != 0) {
      throw failure("symlink", show(name) + " -> " + latin1Display(target));
    }
  }

  /** A hard link name to existing (which, if a symlink, is linked itself, not followed). */
  public void link(String existing, String name) throws SyscallException {
    if (libc().linkat(fd, c(existing), fd, c(name), 0) != 0) {
      throw failure("link", show(name) + " => " + show(existing));
    }
  }

  public void unlink(String name) throws SyscallException {
    if (libc().unlinkat(fd, c(name), 0) != 0) {
      throw failure("unlink", show(name));
    }
  }

  public void chown(String name, int uid, int gid) throws SyscallException {
    if (libc().fchownat(fd, c(name), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
      throw failure("lchown", show(name) + " (" + uid + ":" + gid + ")");
    }
  }

  /** chmod(2) of a file or directory; Linux cannot chmod a symlink, so never pass one. */
  public void chmod(String name, int mode) throws SyscallException {
    if (libc().fchmodat(fd, c(name), mode, 0) != 0) {
      throw failure("chmod", show(name) + " (" + Integer.toOctalString(mode) + ")");
    }
  }

  /** Sets access and modification times, of a symlink itself if name is one. */
  public void setTimes(String name, FileTime atime, FileTime mtime) throws SyscallException {
    if (libc().utimensat(fd, c(name), Syscalls.timespecs(atime, mtime), AT_SYMLINK_NOFOLLOW) != 0) {
      throw failure("utimensat", show(name));
    }
  }

  /** lsetxattr(2) on a name below this directory (not following a final symlink). */
  public void setXattr(String name, String xattr, byte[] value) throws SyscallException {
    // /proc/self/fd/N resolves to this very directory, whatever happened to its path.
    byte[] cpath = c("/proc/self/fd/" + fd + (name.isEmpty() ? "" : "/" + name));
    byte[] cname = Syscalls.cString(xattr, StandardCharsets.UTF_8);
    if (libc().lsetxattr(cpath, cname, value, value.length, 0) != 0) {
      throw failure("lsetxattr", show(name) + " " + xattr);
    }
  }

  /** Creates a new regular file (never opening an existing one) for writing. */
  public NewFile createFile(String name, int mode) throws SyscallException {
    int file =
        libc().openat(fd, c(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (file < 0) {
      throw failure("open", show(name));
    }
    return new NewFile(file, show(name));
  }

  /** The names in this directory (raw bytes as ISO-8859-1), without "." and "..". */
  public List<String> list() throws SyscallException {
    List<String> names = new ArrayList<>();
    listInto(names, null);
    return names;
  }

  private void listInto(List<String> names, List<Boolean> isDir) throws SyscallException {
    // fdopendir takes over the descriptor it gets, so give it its own.
    int dup = libc().openat(fd, c("."), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (dup < 0) {
      throw failure("open", path.toString());
    }
    Pointer dir = libc().fdopendir(dup);
    if (dir == null) {
      libc().close(dup);
      throw failure("fdopendir", path.toString());
    }
    try {
      for (Pointer entry = libc().readdir(dir); entry != null; entry = libc().readdir(dir)) {
        String name = entry.getString(DIRENT_NAME, 256, StandardCharsets.ISO_8859_1);
        if (!name.equals(".") && !name.equals("..")) {
          names.add(name);
          if (isDir != null) {
            isDir.add(entry.getByte(DIRENT_TYPE) == DT_DIR);
          }
        }
      }
    } finally {
      libc().closedir(dir);
    }
  }

  /** Removes name and, if it is a directory, everything below it, following no symlink. */
  public void deleteTree(String name) throws SyscallException {
    if (libc().unlinkat(fd, c(name), 0) == 0) {
      return;
    }
    int errno = Syscalls.errno();
    if (errno == ENOENT) {
      return;
    }
    // Linux reports EISDIR for unlink(2) of a directory; anything else is a real failure.
    if (errno != EISDIR) {
      throw failure("unlink", show(name));
    }
    deleteDirectory(name);
  }

  private void deleteDirectory(String name) throws SyscallException {
    if (!Syscalls.isRoot()) {
      chmod(name, 0700); // a read-only directory cannot be emptied by its owner otherwise
    }
    List<String> children = new ArrayList<>();
    List<Boolean> childIsDir = new ArrayList<>();
    try (DirFd dir = openDirectory(name)) {
      dir.listInto(children, childIsDir);
    }
    // Relative paths from this directory, so deep trees never hold one descriptor per level.
    for (int i = 0; i < children.size(); i++) {
      String child = name + "/" + children.get(i);
      if (childIsDir.get(i)) {
        deleteDirectory(child);
      } else {
        deleteTree(child);
      }
    }
    if (libc().unlinkat(fd, c(name), AT_REMOVEDIR) != 0) {
      throw failure("rmdir", show(name));
    }
  }

  /** Opens a subdirectory, refusing a symlink in the last component. */
  public DirFd openDirectory(String name) throws SyscallException {
    int sub = libc().openat(fd, c(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (sub < 0) {
      throw failure("open", show(name));
    }
    return new DirFd(sub, path.resolve(latin1Display(name)));
  }

  private static String latin1Display(String name) {
    return new String(name.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      libc().close(fd);
    }
  }

  /** A regular file just created, open for writing. */
  public static final class NewFile implements Closeable {
    private final int fd;
    private final String path;
    private boolean closed;

    private NewFile(int fd, String path) {
      this.fd = fd;
      this.path = path;
    }

    /** Writes buf[0, length) completely. */
    public void write(byte[] buf, int length) throws SyscallException {
      byte[] chunk = buf;
      int left = length;
      while (left > 0) {
        long n = libc().write(fd, chunk, left);
        if (n < 0) {
          throw failure("write", path);
        }
        left -= (int) n;
        if (left > 0) { // short write (rare): continue from a copy of the rest
          chunk = Arrays.copyOfRange(chunk, (int) n, (int) n + left);
        }
      }
    }

    @Override
    public void close() throws SyscallException {
      if (!closed) {
        closed = true;
        if (libc().close(fd) != 0) {
          throw failure("close", path);
        }
      }
    }
  }
}
