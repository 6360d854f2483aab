package dev.layercache.agent.workspace;

import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.agent.unpack.OverlayMarks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes an overlay upper directory as an OCI layer tar: the inverse of the unpacker. Overlay
 * whiteouts (0/0 character devices) become {@code .wh.NAME} files, a directory with {@code
 * trusted.overlay.opaque=y} gets a {@code .wh..wh..opq} entry, other {@code trusted.overlay.*}
 * xattrs (origin, impure, ...) are the kernel's bookkeeping and are left out. Owners, modes
 * (special bits included), mtimes, symlinks, hard links, devices, fifos and the remaining xattrs
 * are kept. Entries are written parents first, in name order, so the output is reproducible.
 */
public final class UpperLayerTar {
  private static final String OVERLAY_XATTRS = "trusted.overlay.";

  private final Path upper;
  private final TarArchiveOutputStream tar;
  private final Map<Object, String> linkTargets = new HashMap<>();

  private UpperLayerTar(Path upper, OutputStream out) {
    this.upper = upper;
    this.tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
  }

  /** Writes the tar of {@code upper} to {@code out} (which it finishes but does not close). */
  public static void write(Path upper, OutputStream out) throws IOException {
    UpperLayerTar writer = new UpperLayerTar(upper, out);
    writer.directoryChildren(upper);
    writer.tar.finish();
  }

  private void directoryChildren(Path dir) throws IOException {
    List<Path> children;
    try (Stream<Path> list = Files.list(dir)) {
      children = list.sorted().toList();
    }
    for (Path child : children) {
      entry(child);
    }
  }

  private void entry(Path path) throws IOException {
    String name = upper.relativize(path).toString();
    Map<String, Object> attrs = Files.readAttributes(path, "unix:*", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) attrs.get("mode");
    int type = mode & Syscalls.S_IFMT;
    long rdev = (Long) attrs.get("rdev");
    if (OverlayMarks.isWhiteout(mode, rdev)) {
      add(whiteoutEntry(name, OverlayMarks.WHITEOUT_PREFIX + path.getFileName()), null);
      return;
    }
    TarArchiveEntry entry;
    InputStream content = null;
    switch (type) {
      case Syscalls.S_IFDIR -> entry = new TarArchiveEntry(name + "/", TarConstants.LF_DIR, true);
      case Syscalls.S_IFREG -> {
        Object key = attrs.get("fileKey");
        int nlink = (Integer) attrs.get("nlink");
        String first = nlink > 1 && key != null ? linkTargets.putIfAbsent(key, name) : null;
        if (first != null) {
          entry = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
          entry.setLinkName(first);
        } else {
          entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
          entry.setSize((Long) attrs.get("size"));
          content = Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS);
        }
      }
      case 0120000 -> {
        entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        entry.setLinkName(Files.readSymbolicLink(path).toString());
      }
      case Syscalls.S_IFIFO -> entry = new TarArchiveEntry(name, TarConstants.LF_FIFO, true);
      case Syscalls.S_IFCHR, Syscalls.S_IFBLK -> {
        entry =
            new TarArchiveEntry(
                name, type == Syscalls.S_IFCHR ? TarConstants.LF_CHR : TarConstants.LF_BLK, true);
        entry.setDevMajor((int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL)));
        entry.setDevMinor((int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL)));
      }
      default ->
          throw new IOException(
              "cannot commit " + path + ": unsupported file type " + Integer.toOctalString(type));
    }
    entry.setMode(mode & 07777);
    entry.setUserId((Integer) attrs.get("uid"));
    entry.setGroupId((Integer) attrs.get("gid"));
    entry.setModTime((FileTime) attrs.get("lastModifiedTime"));
    boolean opaque = false;
    for (String xattr : Syscalls.listXattrs(path)) {
      if (xattr.equals(OverlayMarks.OPAQUE_XATTR)) {
        opaque = OverlayMarks.isOpaque(path);
      } else if (!xattr.startsWith(OVERLAY_XATTRS)) {
        Optional<byte[]> value = Syscalls.getXattr(path, xattr);
        if (value.isPresent()) {
          addXattr(entry, xattr, value.get());
        }
      }
    }
    add(entry, content);
    if (type == Syscalls.S_IFDIR) {
      if (opaque) {
        add(whiteoutEntry(name + "/x", OverlayMarks.OPAQUE_MARKER), null);
      }
      directoryChildren(path);
    }
  }

  /** An empty file named {@code marker} in the directory of {@code name}. */
  private static TarArchiveEntry whiteoutEntry(String name, String marker) {
    int slash = name.lastIndexOf('/');
    TarArchiveEntry entry =
        new TarArchiveEntry(name.substring(0, slash + 1) + marker, TarConstants.LF_NORMAL, true);
    entry.setMode(0644);
    entry.setModTime(FileTime.fromMillis(0));
    return entry;
  }

  /** Text values as SCHILY.xattr (what Go and GNU tar read); binary ones base64 (libarchive). */
  private static void addXattr(TarArchiveEntry entry, String name, byte[] value) {
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(value))
              .toString();
      if (text.indexOf('\0') < 0) {
        entry.addPaxHeader("SCHILY.xattr." + name, text);
        return;
      }
    } catch (CharacterCodingException binary) {
      // fall through
    }
    entry.addPaxHeader("LIBARCHIVE.xattr." + name, Base64.getEncoder().encodeToString(value));
  }

  private void add(TarArchiveEntry entry, InputStream content) throws IOException {
    tar.putArchiveEntry(entry);
    if (content != null) {
      try (content) {
        content.transferTo(tar);
      }
    }
    tar.closeArchiveEntry();
  }
}
