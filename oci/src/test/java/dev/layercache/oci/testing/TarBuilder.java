package dev.layercache.oci.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds an uncompressed layer tar in memory: files, directories, symlinks, OCI whiteouts ({@code
 * .wh.NAME}) and opaque-directory markers ({@code .wh..wh..opq}). Output is deterministic.
 */
public final class TarBuilder {
  private static final long MTIME_MILLIS = 1_700_000_000_000L;

  private interface Entry {
    void write(TarArchiveOutputStream tar) throws IOException;
  }

  private final List<Entry> entries = new ArrayList<>();

  public TarBuilder directory(String path) {
    entries.add(
        tar -> {
          TarArchiveEntry e = new TarArchiveEntry(path.endsWith("/") ? path : path + "/");
          e.setMode(040755);
          close(tar, e, new byte[0]);
        });
    return this;
  }

  public TarBuilder file(String path, String content) {
    return file(path, content.getBytes(StandardCharsets.UTF_8), 0644);
  }

  public TarBuilder file(String path, byte[] content, int mode) {
    entries.add(
        tar -> {
          TarArchiveEntry e = new TarArchiveEntry(path);
          e.setMode(0100000 | mode);
          e.setSize(content.length);
          close(tar, e, content);
        });
    return this;
  }

  public TarBuilder symlink(String path, String target) {
    entries.add(
        tar -> {
          TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_SYMLINK);
          e.setLinkName(target);
          e.setMode(0120777);
          close(tar, e, new byte[0]);
        });
    return this;
  }

  /** A hard link {@code path} to the earlier entry {@code target} of this layer. */
  public TarBuilder hardlink(String path, String target) {
    entries.add(
        tar -> {
          TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_LINK);
          e.setLinkName(target);
          e.setMode(0100644);
          close(tar, e, new byte[0]);
        });
    return this;
  }

  /** Marks {@code path} deleted: an empty file {@code dir/.wh.name}. */
  public TarBuilder whiteout(String path) {
    int slash = path.lastIndexOf('/');
    return file(
        path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1), new byte[0], 0644);
  }

  /** Hides everything lower layers had in {@code dir}: {@code dir/.wh..wh..opq}. */
  public TarBuilder opaque(String dir) {
    return file((dir.endsWith("/") ? dir : dir + "/") + ".wh..wh..opq", new byte[0], 0644);
  }

  public byte[] build() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Entry entry : entries) {
        entry.write(tar);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void close(TarArchiveOutputStream tar, TarArchiveEntry e, byte[] content)
      throws IOException {
    e.setModTime(MTIME_MILLIS);
    e.setUserId(0);
    e.setGroupId(0);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }
}
