package dev.layercache.agent.unpack;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds layer tars in tests with commons-compress (an independent writer for our reader). */
final class TarBuilder {
  static final FileTime MTIME = FileTime.from(Instant.parse("2020-01-02T03:04:05Z"));

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

  TarBuilder() {
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
  }

  /** An entry named exactly name (absolute names kept); customize sets everything else. */
  TarBuilder entry(String name, byte type, byte[] data, Consumer<TarArchiveEntry> customize) {
    TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
    entry.setModTime(MTIME);
    entry.setSize(type == TarConstants.LF_NORMAL ? data.length : 0);
    customize.accept(entry);
    try {
      tar.putArchiveEntry(entry);
      tar.write(data);
      tar.closeArchiveEntry();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  TarBuilder file(String name, String content) {
    return file(name, content, 0644);
  }

  TarBuilder file(String name, String content, int mode) {
    return entry(
        name,
        TarConstants.LF_NORMAL,
        content.getBytes(StandardCharsets.UTF_8),
        e -> e.setMode(mode));
  }

  TarBuilder dir(String name) {
    return dir(name, 0755);
  }

  TarBuilder dir(String name, int mode) {
    return entry(name, TarConstants.LF_DIR, new byte[0], e -> e.setMode(mode));
  }

  TarBuilder symlink(String name, String target) {
    return entry(name, TarConstants.LF_SYMLINK, new byte[0], e -> e.setLinkName(target));
  }

  TarBuilder hardlink(String name, String target) {
    return entry(name, TarConstants.LF_LINK, new byte[0], e -> e.setLinkName(target));
  }

  /** A PAX extended header with raw values (binary xattrs, hostile paths) for the next entry. */
  TarBuilder pax(Map<String, byte[]> records) {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> record : records.entrySet()) {
      byte[] key = record.getKey().getBytes(StandardCharsets.UTF_8);
      int body = 1 + key.length + 1 + record.getValue().length + 1; // " key=value\n"
      int length = body + Integer.toString(body).length();
      if (Integer.toString(length).length() != Integer.toString(body).length()) {
        length++;
      }
      data.writeBytes((length + " ").getBytes(StandardCharsets.US_ASCII));
      data.writeBytes(key);
      data.write('=');
      data.writeBytes(record.getValue());
      data.write('\n');
    }
    return entry(
        "PaxHeaders/next",
        TarConstants.LF_PAX_EXTENDED_HEADER_LC,
        data.toByteArray(),
        e -> e.setSize(data.size()));
  }

  static Map<String, byte[]> records(String... keysAndValues) {
    Map<String, byte[]> records = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      records.put(keysAndValues[i], keysAndValues[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return records;
  }

  byte[] build() {
    try {
      tar.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  InputStream stream() {
    return new ByteArrayInputStream(build());
  }
}
