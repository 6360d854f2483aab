package dev.layercache.agent.unpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;

class TarReaderTest {

  @Test
  void readsGnuLongNamesAndBase256Numbers() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String name = "x".repeat(300);
    String link = "y".repeat(300);
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
      TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
      entry.setLinkName(link);
      entry.setIds(3_000_000, 4_000_000); // more than 7 octal digits: base-256
      tar.putArchiveEntry(entry);
      tar.closeArchiveEntry();
    }
    TarEntry entry = new TarReader(new ByteArrayInputStream(out.toByteArray())).next();
    assertThat(entry.name()).isEqualTo(name);
    assertThat(entry.linkName()).isEqualTo(link);
    assertThat(entry.uid()).isEqualTo(3_000_000);
    assertThat(entry.gid()).isEqualTo(4_000_000);
    assertThat(entry.type()).isEqualTo(TarEntry.SYMLINK);
  }

  @Test
  void readsPaxRecordsWithBinaryXattrsAndFractionalTimes() throws IOException {
    byte[] capability = {1, 0, 0, 2, (byte) 0x80, (byte) 0xff, 0, 0};
    byte[] tar =
        new TarBuilder()
            .pax(
                java.util.Map.of(
                    "SCHILY.xattr.security.capability", capability,
                    "LIBARCHIVE.xattr.user.with%20space", "aGk=".getBytes(StandardCharsets.UTF_8),
                    "mtime", "1234567890.25".getBytes(StandardCharsets.UTF_8),
                    "uid", "70000".getBytes(StandardCharsets.UTF_8)))
            .file("f", "data")
            .build();
    TarReader reader = new TarReader(new ByteArrayInputStream(tar));
    TarEntry entry = reader.next();
    assertThat(entry.xattrs().get("security.capability")).isEqualTo(capability);
    assertThat(entry.xattrs().get("user.with space")).isEqualTo("hi".getBytes());
    assertThat(entry.mtime())
        .isEqualTo(FileTime.from(Instant.ofEpochSecond(1234567890, 250_000_000)));
    assertThat(entry.atime()).isEqualTo(entry.mtime());
    assertThat(entry.uid()).isEqualTo(70000);
    byte[] data = new byte[10];
    assertThat(reader.read(data, 0, 10)).isEqualTo(4);
    assertThat(reader.read(data, 0, 10)).isEqualTo(-1);
    assertThat(reader.next()).isNull();
  }

  @Test
  void skipsUnreadDataAndAcceptsAMissingEndMarker() throws IOException {
    byte[] tar = new TarBuilder().file("a", "x".repeat(1000)).file("b", "y").build();
    byte[] withoutEndMarker = Arrays.copyOf(tar, 512 + 1024 + 512 + 512);
    TarReader reader = new TarReader(new ByteArrayInputStream(withoutEndMarker));
    assertThat(reader.next().name()).isEqualTo("a");
    assertThat(reader.next().name()).isEqualTo("b");
    assertThat(reader.next()).isNull();
  }

  @Test
  void rejectsBadChecksumsAndTruncation() {
    byte[] tar = new TarBuilder().file("name", "x".repeat(2000)).build();
    byte[] corrupt = tar.clone();
    corrupt[0] = 'N';
    assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(corrupt)).next())
        .hasMessage("bad header checksum in the header of \"Name\"");
    assertThatThrownBy(
            () -> {
              TarReader reader = new TarReader(new ByteArrayInputStream(Arrays.copyOf(tar, 1000)));
              reader.next();
              reader.read(new byte[4096], 0, 4096);
              reader.read(new byte[4096], 0, 4096);
            })
        .isInstanceOf(EOFException.class)
        .hasMessage("truncated archive: entry data ends after 488 of 2000 bytes");
    assertThatThrownBy(
            () -> new TarReader(new ByteArrayInputStream(Arrays.copyOf(tar, 100))).next())
        .isInstanceOf(EOFException.class);
  }

  @Test
  void treatsAV7NameWithATrailingSlashAsADirectory() throws IOException {
    byte[] tar = new TarBuilder().entry("old/", (byte) 0, new byte[0], e -> {}).build();
    assertThat(new TarReader(new ByteArrayInputStream(tar)).next().type())
        .isEqualTo(TarEntry.DIRECTORY);
  }

  /** Values Java cannot hold make a bad archive (an IOException), not a runtime error. */
  @Test
  void valuesOutOfJavasRangeAreBadArchives() {
    byte[] farMtime = new TarBuilder().file("late", "x").build();
    farMtime[136] = (byte) 0x80; // base-256: 2^60 seconds, past Instant's last second
    Arrays.fill(farMtime, 137, 148, (byte) 0);
    farMtime[140] = 0x10;
    setChecksum(farMtime);
    assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(farMtime)).next())
        .isInstanceOf(IOException.class)
        .hasMessage("header field mtime 1152921504606846976 is out of range in \"late\"");

    for (String[] record :
        new String[][] {
          {"LIBARCHIVE.xattr.user.bad%zzescape", "aGk="}, {"LIBARCHIVE.xattr.user.x", "not base64!"}
        }) {
      byte[] tar = new TarBuilder().pax(TarBuilder.records(record)).file("f", "x").build();
      assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(tar)).next())
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("invalid PAX record " + record[0] + ": ");
    }
  }

  private static void setChecksum(byte[] header) {
    Arrays.fill(header, 148, 156, (byte) ' ');
    int sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += header[i] & 0xff;
    }
    byte[] octal = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(octal, 0, header, 148, 8);
  }
}
