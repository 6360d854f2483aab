package dev.layercache.agent.workspace;

import dev.layercache.agent.kernel.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a user sees in a directory tree, one line per path: type, mode with special bits, owner,
 * size and content hash, symlink target, user.* xattrs. Times are left out (copy-up and unpackers
 * legitimately differ on directory mtimes).
 */
public final class TreeSnapshot {
  private TreeSnapshot() {}

  public static Map<String, String> of(Path root) throws IOException {
    Map<String, String> tree = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        if (path.equals(root)) {
          continue;
        }
        tree.put(root.relativize(path).toString(), describe(path));
      }
    }
    return tree;
  }

  static String describe(Path path) throws IOException {
    Map<String, Object> a = Files.readAttributes(path, "unix:*", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    StringBuilder s = new StringBuilder();
    s.append(
            switch (mode & Syscalls.S_IFMT) {
              case Syscalls.S_IFDIR -> "dir";
              case Syscalls.S_IFREG -> "file";
              case 0120000 -> "symlink";
              case Syscalls.S_IFCHR -> "char";
              case Syscalls.S_IFBLK -> "block";
              case Syscalls.S_IFIFO -> "fifo";
              default -> "?";
            })
        .append(' ')
        .append(Integer.toOctalString(mode & 07777))
        .append(' ')
        .append(a.get("uid"))
        .append(':')
        .append(a.get("gid"));
    if ((mode & Syscalls.S_IFMT) == Syscalls.S_IFREG) {
      s.append(" size=").append(a.get("size")).append(" sha256=").append(sha256(path));
    } else if ((mode & Syscalls.S_IFMT) == 0120000) {
      s.append(" -> ").append(Files.readSymbolicLink(path));
    }
    for (String xattr : new java.util.TreeSet<>(Syscalls.listXattrs(path))) {
      if (xattr.startsWith("user.")) {
        s.append(' ')
            .append(xattr)
            .append('=')
            .append(
                new String(Syscalls.getXattr(path, xattr).orElseThrow(), StandardCharsets.UTF_8));
      }
    }
    return s.toString();
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        digest.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
