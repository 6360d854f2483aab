package dev.layercache.agent.workspace;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Layer tars with owners, special modes, xattrs, links and whiteouts, written by commons-compress.
 */
public final class LayerTars {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

  public LayerTars() {
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
  }

  public LayerTars entry(
      String name, byte type, int mode, int uid, String content, Consumer<TarArchiveEntry> more) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    byte[] data = content == null ? new byte[0] : content.getBytes(StandardCharsets.UTF_8);
    e.setMode(mode);
    e.setUserId(uid);
    e.setGroupId(uid);
    e.setModTime(1_700_000_000_000L);
    if (type == TarConstants.LF_NORMAL) {
      e.setSize(data.length);
    }
    more.accept(e);
    try {
      tar.putArchiveEntry(e);
      tar.write(type == TarConstants.LF_NORMAL ? data : new byte[0]);
      tar.closeArchiveEntry();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return this;
  }

  public LayerTars dir(String name, int mode, int uid) {
    return entry(name + "/", TarConstants.LF_DIR, mode, uid, null, e -> {});
  }

  public LayerTars file(String name, String content, int mode, int uid) {
    return entry(name, TarConstants.LF_NORMAL, mode, uid, content, e -> {});
  }

  public LayerTars fileWithXattr(String name, String content, String xattr, String value) {
    return entry(
        name,
        TarConstants.LF_NORMAL,
        0644,
        0,
        content,
        e -> e.addPaxHeader("SCHILY.xattr." + xattr, value));
  }

  public LayerTars symlink(String name, String target) {
    return entry(name, TarConstants.LF_SYMLINK, 0777, 0, null, e -> e.setLinkName(target));
  }

  public LayerTars hardlink(String name, String target) {
    return entry(name, TarConstants.LF_LINK, 0644, 0, null, e -> e.setLinkName(target));
  }

  public LayerTars whiteout(String dir, String name) {
    return file(dir + "/.wh." + name, "", 0644, 0);
  }

  public LayerTars opaque(String dir) {
    return file(dir + "/.wh..wh..opq", "", 0644, 0);
  }

  public byte[] build() {
    try {
      tar.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** A base layer with everything a real image has: owners, setuid, sticky, links, xattrs. */
  public static byte[] base() {
    return new LayerTars()
        .dir("bin", 0755, 0)
        .file("bin/su", "#!su", 04755, 0)
        .file("bin/wall", "#!wall", 02755, 0)
        .symlink("bin/sh", "busybox")
        .file("bin/busybox", "#!busybox\n" + "b".repeat(5000), 0755, 0)
        .hardlink("bin/ls", "bin/busybox")
        .dir("tmp", 01777, 0)
        .dir("home", 0755, 0)
        .dir("home/alice", 0700, 1000)
        .file("home/alice/.profile", "export A=1\n", 0600, 1000)
        .dir("etc", 0755, 0)
        .file("etc/old.conf", "old", 0644, 0)
        .file("etc/keep.conf", "keep", 0640, 42)
        .symlink("etc/localtime", "/usr/share/zoneinfo/UTC")
        .fileWithXattr("etc/tagged", "t", "user.origin", "base")
        .dir("var", 0755, 0)
        .dir("var/cache", 0755, 0)
        .file("var/cache/a", "a", 0644, 0)
        .dir("var/cache/sub", 0755, 0)
        .file("var/cache/sub/b", "b", 0644, 0)
        .dir("opt", 0755, 0)
        .dir("opt/gone", 0755, 0)
        .file("opt/gone/x", "x", 0644, 0)
        .build();
  }

  /** A change layer: whiteouts, an opaque directory, replaced and new files. */
  public static byte[] change() {
    return new LayerTars()
        .dir("etc", 0755, 0)
        .whiteout("etc", "old.conf")
        .file("etc/app.conf", "port=8080", 0644, 0)
        .dir("var/cache", 0750, 0)
        .opaque("var/cache")
        .file("var/cache/fresh", "fresh", 0644, 0)
        .whiteout("opt", "gone")
        .file("bin/busybox", "#!busybox v2", 0755, 0)
        .dir("srv", 0755, 33)
        .file("srv/app", "app", 0755, 33)
        .build();
  }
}
