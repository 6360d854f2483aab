package dev.layercache.agent.unpack;

import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.SyscallException;
import dev.layercache.agent.kernel.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Unpacks one uncompressed OCI layer tar into an empty directory, ready to be an overlayfs
 * lowerdir. The rules it enforces (no escape from the directory, OCI whiteouts) are in
 * docs/unpacking.md.
 */
public final class LayerUnpacker {
  static final String WHITEOUT_PREFIX = ".wh.";
  static final String OPAQUE_MARKER = OverlayMarks.OPAQUE_MARKER;
  static final String OPAQUE_XATTR = OverlayMarks.OPAQUE_XATTR;
  // AUFS bookkeeping names such as .wh..wh.plnk: never materialized.
  private static final String AUFS_META_PREFIX = ".wh..wh.";
  // Only the unpacker may speak to overlayfs: a layer's own trusted.overlay.* xattrs are dropped.
  private static final String OVERLAY_XATTR_PREFIX = "trusted.overlay.";
  private static final int BUFFER_SIZE = 256 * 1024;
  private static final int PATH_MAX = 4096; // Linux's, its NUL included
  private static final int UMASK = readUmask();

  /**
   * Unpacks tar into target, which must be an existing, empty directory (not a symlink). On failure
   * target may hold a partial tree; remove it with {@link DirFd#deleteTree}.
   *
   * @param layer names the layer in errors, e.g. "image docker.io/x:1 layer sha256:abc"
   */
  public UnpackResult unpack(InputStream tar, Path target, String layer) throws UnpackException {
    try (DirFd root = DirFd.open(target)) {
      if (!root.list().isEmpty()) {
        throw new UnpackException(layer, null, "target " + target + " is not empty", null);
      }
      return new Extraction(root, layer).run(new TarReader(tar));
    } catch (SyscallException e) {
      throw new UnpackException(layer, null, e.getMessage(), e);
    }
  }

  /**
   * The layer-relative form of a tar name: leading "/" and "." components dropped (as GNU tar
   * does), ".." and NUL rejected. "" is the layer root.
   */
  static String relativePath(String name) throws IOException {
    if (name.indexOf('\0') >= 0) {
      throw new IOException("name contains a NUL byte");
    }
    // The kernel takes no longer path (ENAMETOOLONG); a PAX path of 1 MiB of "a/" nested
    // deep enough to overflow the stack on the way to the layer root.
    if (name.length() >= PATH_MAX) {
      throw new IOException(
          "name of " + name.length() + " bytes is past PATH_MAX (" + PATH_MAX + ")");
    }
    StringBuilder out = new StringBuilder(name.length());
    int start = 0;
    while (start <= name.length()) {
      int end = name.indexOf('/', start);
      if (end < 0) {
        end = name.length();
      }
      int length = end - start;
      if (length == 2 && name.charAt(start) == '.' && name.charAt(start + 1) == '.') {
        throw new IOException("name has a \"..\" component");
      }
      if (length > 0 && !(length == 1 && name.charAt(start) == '.')) {
        if (out.length() > 0) {
          out.append('/');
        }
        out.append(name, start, end);
      }
      start = end + 1;
    }
    return out.toString();
  }

  private static int readUmask() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Umask:")) {
          return Integer.parseInt(line.substring(6).trim(), 8);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through: assume the strictest mask, so modes are always set explicitly
    }
    return 0777;
  }

  private static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  /** The state of one unpack: what it created so far, and what it applies at the end. */
  private static final class Extraction {
    private enum Kind {
      DIRECTORY,
      REGULAR,
      SYMLINK,
      OTHER
    }

    private final DirFd root;
    private final String layer;
    private final boolean asRoot = Syscalls.isRoot();
    private final byte[] buffer = new byte[BUFFER_SIZE];
    // Everything this unpack created, by layer-relative path. The target starts empty and only we
    // write to it, so this is exactly what is on disk; every path here has directories as parents.
    private final Map<String, Kind> nodes = new HashMap<>();
    private final Map<String, FileTime[]> directoryTimes = new HashMap<>();
    private final Set<String> setgidDirectories = new HashSet<>();
    private final Set<String> whiteouts = new LinkedHashSet<>();
    private final Set<String> opaqueDirectories = new LinkedHashSet<>();
    private long entries;
    private long regularFiles;
    private long regularFileBytes;

    Extraction(DirFd root, String layer) {
      this.root = root;
      this.layer = layer;
      nodes.put("", Kind.DIRECTORY);
    }

    UnpackResult run(TarReader tar) throws UnpackException {
      TarEntry entry = null;
      try {
        while (true) {
          entry = null;
          entry = tar.next();
          if (entry == null) {
            break;
          }
          entries++;
          apply(entry, tar);
        }
        applyWhiteoutsAndTimes();
      } catch (IOException e) {
        String name = entry == null ? null : TarReader.show(entry.name());
        throw new UnpackException(layer, name, e.getMessage(), e);
      }
      return new UnpackResult(entries, regularFiles, regularFileBytes);
    }

    private void apply(TarEntry entry, TarReader tar) throws IOException {
      String path = relativePath(entry.name());
      String parent = parentOf(path);
      String base = path.substring(path.lastIndexOf('/') + 1);
      if (base.startsWith(WHITEOUT_PREFIX)) {
        whiteout(parent, base);
        return;
      }
      ensureDirectory(parent);
      Kind existing = nodes.get(path);
      switch (entry.type()) {
        case TarEntry.DIRECTORY -> directory(path, parent, existing, entry);
        case TarEntry.REGULAR -> regularFile(path, parent, existing, entry, tar);
        case TarEntry.SYMLINK -> symlink(path, parent, existing, entry);
        case TarEntry.HARDLINK -> hardlink(path, existing, entry);
        case TarEntry.CHAR_DEVICE, TarEntry.BLOCK_DEVICE, TarEntry.FIFO ->
            node(path, parent, existing, entry);
        default -> throw new IOException("unsupported entry type '" + entry.type() + "'");
      }
    }

    /** Records an OCI whiteout; it takes effect at the end, once every entry is known. */
    private void whiteout(String parent, String base) throws IOException {
      if (base.equals(OPAQUE_MARKER)) {
        ensureDirectory(parent);
        opaqueDirectories.add(parent);
        return;
      }
      if (base.startsWith(AUFS_META_PREFIX)) {
        return;
      }
      String name = base.substring(WHITEOUT_PREFIX.length());
      if (name.isEmpty() || name.equals(".") || name.equals("..")) {
        throw new IOException("whiteout names no file");
      }
      ensureDirectory(parent);
      whiteouts.add(parent.isEmpty() ? name : parent + "/" + name);
    }

    /** Makes sure dir is a directory this unpack created, creating missing ones as 0755 root. */
    private void ensureDirectory(String dir) throws IOException {
      Kind kind = nodes.get(dir);
      if (kind == Kind.DIRECTORY) {
        return;
      }
      if (kind == Kind.SYMLINK) {
        throw new IOException(
            "path goes through the symlink " + TarReader.show(dir) + ", which is never followed");
      }
      if (kind != null) {
        throw new IOException(TarReader.show(dir) + " is not a directory");
      }
      ensureDirectory(parentOf(dir));
      if (dir.substring(dir.lastIndexOf('/') + 1).startsWith(WHITEOUT_PREFIX)) {
        throw new IOException("a whiteout name is used as a directory: " + TarReader.show(dir));
      }
      root.mkdir(dir, 0755);
      if ((0755 & UMASK) != 0) {
        root.chmod(dir, 0755);
      }
      nodes.put(dir, Kind.DIRECTORY);
    }

    private void directory(String path, String parent, Kind existing, TarEntry entry)
        throws IOException {
      boolean fresh = existing != Kind.DIRECTORY;
      if (fresh) {
        removeExisting(path, existing);
        root.mkdir(path, entry.mode() & 0777);
        nodes.put(path, Kind.DIRECTORY);
      }
      ownerModeAndXattrs(path, parent, entry, fresh, true);
      if ((entry.mode() & 02000) != 0) {
        setgidDirectories.add(path);
      } else {
        setgidDirectories.remove(path);
      }
      // Set at the end: writing children would change a directory's mtime again.
      directoryTimes.put(path, new FileTime[] {entry.atime(), entry.mtime()});
    }

    private void regularFile(
        String path, String parent, Kind existing, TarEntry entry, TarReader tar)
        throws IOException {
      removeExisting(path, existing);
      try (DirFd.NewFile file = root.createFile(path, entry.mode() & 0777)) {
        nodes.put(path, Kind.REGULAR);
        int n;
        while ((n = tar.read(buffer, 0, buffer.length)) > 0) {
          file.write(buffer, n);
        }
      }
      regularFiles++;
      regularFileBytes += entry.size();
      ownerModeAndXattrs(path, parent, entry, true, false);
      root.setTimes(path, entry.atime(), entry.mtime());
    }

    private void symlink(String path, String parent, Kind existing, TarEntry entry)
        throws IOException {
      if (entry.linkName().indexOf('\0') >= 0) {
        throw new IOException("symlink target contains a NUL byte");
      }
      removeExisting(path, existing);
      root.symlink(entry.linkName(), path); // kept verbatim, even absolute or with ".."
      nodes.put(path, Kind.SYMLINK);
      if (needsChown(parent, entry)) {
        root.chown(path, entry.uid(), entry.gid());
      }
      setXattrs(path, entry);
      root.setTimes(path, entry.atime(), entry.mtime());
    }

    private void hardlink(String path, Kind existing, TarEntry entry) throws IOException {
      String target = relativePath(entry.linkName());
      Kind kind = nodes.get(target);
      if (kind == null) {
        throw new IOException(
            "hard link target "
                + TarReader.show(entry.linkName())
                + " is not an earlier entry of this layer");
      }
      if (kind == Kind.DIRECTORY) {
        throw new IOException("hard link to a directory: " + TarReader.show(entry.linkName()));
      }
      if (target.equals(path)) {
        return; // a link to itself changes nothing
      }
      removeExisting(path, existing);
      root.link(target, path);
      nodes.put(path, kind);
    }

    private void node(String path, String parent, Kind existing, TarEntry entry)
        throws IOException {
      int type =
          switch (entry.type()) {
            case TarEntry.CHAR_DEVICE -> Syscalls.S_IFCHR;
            case TarEntry.BLOCK_DEVICE -> Syscalls.S_IFBLK;
            default -> Syscalls.S_IFIFO;
          };
      removeExisting(path, existing);
      root.mknod(path, type | (entry.mode() & 0777), entry.devMajor(), entry.devMinor());
      nodes.put(path, Kind.OTHER);
      ownerModeAndXattrs(path, parent, entry, true, false);
      root.setTimes(path, entry.atime(), entry.mtime());
    }

    /** A later entry replaces an earlier one; a directory goes with everything below it. */
    private void removeExisting(String path, Kind existing) throws IOException {
      if (existing == null) {
        return;
      }
      if (path.isEmpty()) {
        throw new IOException("the layer root can only be a directory");
      }
      if (existing == Kind.DIRECTORY) {
        root.deleteTree(path);
        String prefix = path + "/";
        nodes.keySet().removeIf(p -> p.startsWith(prefix));
        directoryTimes.keySet().removeIf(p -> p.equals(path) || p.startsWith(prefix));
        setgidDirectories.removeIf(p -> p.equals(path) || p.startsWith(prefix));
      } else {
        root.unlink(path);
      }
      nodes.remove(path);
    }

    private boolean needsChown(String parent, TarEntry entry) {
      // New files belong to root:root already, unless a setgid parent lends its group.
      return !asRoot || entry.uid() != 0 || entry.gid() != 0 || setgidDirectories.contains(parent);
    }

    /** Owner first: chown(2) clears setuid/setgid bits and security.capability. */
    private void ownerModeAndXattrs(
        String path, String parent, TarEntry entry, boolean fresh, boolean isDirectory)
        throws IOException {
      String at = path.isEmpty() ? "." : path;
      if (!fresh || needsChown(parent, entry)) {
        root.chown(at, entry.uid(), entry.gid());
      }
      int mode = entry.mode() & 07777;
      if (!fresh
          || mode > 0777
          || (mode & UMASK) != 0
          || (isDirectory && setgidDirectories.contains(parent))) {
        root.chmod(at, mode);
      }
      setXattrs(at, entry);
    }

    private void setXattrs(String at, TarEntry entry) throws IOException {
      for (Map.Entry<String, byte[]> xattr : entry.xattrs().entrySet()) {
        if (!xattr.getKey().startsWith(OVERLAY_XATTR_PREFIX)) {
          root.setXattr(at, xattr.getKey(), xattr.getValue());
        }
      }
    }

    /**
     * OCI: a whiteout hides only what lower layers hold at that name; an entry of the same layer
     * stays. So: no entry → an overlay whiteout (char 0:0); a directory → made opaque (it replaces
     * the lower one); any other entry already hides the lower one. Opaque markers apply whatever
     * their position in the tar, and directory times are set last.
     */
    private void applyWhiteoutsAndTimes() throws IOException {
      for (String path : whiteouts) {
        if (nodes.get(parentOf(path)) != Kind.DIRECTORY) {
          continue; // its directory was replaced by a non-directory, which hides all below
        }
        Kind kind = nodes.get(path);
        if (kind == null) {
          root.mknod(path, Syscalls.S_IFCHR, 0, 0);
          nodes.put(path, Kind.OTHER);
        } else if (kind == Kind.DIRECTORY) {
          opaqueDirectories.add(path);
        }
      }
      for (String dir : opaqueDirectories) {
        if (nodes.get(dir) == Kind.DIRECTORY) {
          root.setXattr(dir.isEmpty() ? "." : dir, OPAQUE_XATTR, new byte[] {'y'});
        }
      }
      for (Map.Entry<String, FileTime[]> times : directoryTimes.entrySet()) {
        String dir = times.getKey();
        root.setTimes(dir.isEmpty() ? "." : dir, times.getValue()[0], times.getValue()[1]);
      }
    }
  }
}
