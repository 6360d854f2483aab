package dev.layercache.agent.kernel;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.Pinned;

/**
 * The libc functions layercache calls, bound by jnr-ffi. Paths are NUL-terminated byte arrays so
 * that file names reach the kernel byte for byte, whatever the JVM's file-name encoding. Public
 * only because jnr-ffi generates the implementation in its own class loader: use {@link Syscalls}
 * and {@link DirFd} instead.
 */
public interface LibC {
  int openat(int dirfd, @In byte[] path, int flags, int mode);

  int close(int fd);

  long write(int fd, @Pinned @In byte[] buf, long count);

  int mkdirat(int dirfd, @In byte[] path, int mode);

  int mknodat(int dirfd, @In byte[] path, int mode, long dev);

  int symlinkat(@In byte[] target, int dirfd, @In byte[] linkpath);

  int linkat(int olddirfd, @In byte[] oldpath, int newdirfd, @In byte[] newpath, int flags);

  int unlinkat(int dirfd, @In byte[] path, int flags);

  int fchownat(int dirfd, @In byte[] path, int uid, int gid, int flags);

  int fchmodat(int dirfd, @In byte[] path, int mode, int flags);

  int utimensat(int dirfd, @In byte[] path, @In long[] times, int flags);

  int lsetxattr(@In byte[] path, @In byte[] name, @In byte[] value, long size, int flags);

  long lgetxattr(@In byte[] path, @In byte[] name, @Out byte[] value, long size);

  long llistxattr(@In byte[] path, @Out byte[] list, long size);

  int mount(@In byte[] source, @In byte[] target, @In byte[] fstype, long flags, @In byte[] data);

  int umount2(@In byte[] target, int flags);

  int fsopen(@In byte[] fsname, int flags);

  int fsconfig(int fd, int cmd, @In byte[] key, @In byte[] value, int aux);

  int fsmount(int fd, int flags, int attrFlags);

  int move_mount(int fromDirfd, @In byte[] fromPath, int toDirfd, @In byte[] toPath, int flags);

  int unshare(int flags);

  int chdir(@In byte[] path);

  long read(int fd, @Out byte[] buf, long count);

  int statfs(@In byte[] path, @Out long[] buf);

  int syncfs(int fd);

  Pointer fdopendir(int fd);

  Pointer readdir(Pointer dir);

  int closedir(Pointer dir);

  int geteuid();

  String strerror(int errnum);
}
