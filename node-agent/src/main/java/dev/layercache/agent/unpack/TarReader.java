package dev.layercache.agent.unpack;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a tar stream (v7, ustar, GNU long names, PAX) entry by entry. Unlike commons-compress it
 * keeps names and PAX xattr values as raw bytes (security.capability is binary), and it never skips
 * input, so a digesting stream underneath sees every byte.
 */
final class TarReader {
  private static final int BLOCK = 512;
  // PAX and GNU long-name payloads are held in memory; bound them like Go's archive/tar does.
  private static final int MAX_META_SIZE = 1 << 20;

  private final InputStream in;
  private final byte[] header = new byte[BLOCK];
  private final byte[] scratch = new byte[8192];
  private long remaining;
  private int padding;
  private long entrySize;
  private boolean ended;

  TarReader(InputStream in) {
    this.in = in;
  }

  /** The next entry, or null after the end-of-archive marker (or a clean end of input). */
  TarEntry next() throws IOException {
    discard(remaining, "entry data");
    remaining = 0;
    discard(padding, "entry padding");
    padding = 0;
    if (ended) {
      return null;
    }
    Map<String, byte[]> pax = new HashMap<>();
    String longName = null;
    String longLink = null;
    while (true) {
      if (!readBlock()) {
        ended = true; // no end-of-archive marker: accepted, as Go's archive/tar does
        return null;
      }
      if (isZero(header)) {
        if (readBlock() && !isZero(header)) {
          throw new IOException("corrupt end-of-archive marker: a zero block followed by data");
        }
        ended = true;
        return null;
      }
      String rawName = string(header, 0, 100);
      verifyChecksum(rawName);
      char type = (char) (header[156] & 0xff);
      long size = number(124, 12, "size", rawName);
      switch (type) {
        case 'x' -> parsePax(readMeta(size, rawName), pax);
        case 'g' -> discardPadded(size); // global PAX headers are not applied (as in Go)
        case 'L' -> longName = cString(readMeta(size, rawName));
        case 'K' -> longLink = cString(readMeta(size, rawName));
        default -> {
          return entry(type, size, rawName, longName, longLink, pax);
        }
      }
    }
  }

  /** Reads the current entry's data; -1 at its end. A stream that ends early is an error. */
  int read(byte[] buf, int off, int len) throws IOException {
    if (remaining == 0) {
      return -1;
    }
    int n = in.read(buf, off, (int) Math.min(len, remaining));
    if (n < 0) {
      throw new EOFException(
          "truncated archive: entry data ends after "
              + (entrySize - remaining)
              + " of "
              + entrySize
              + " bytes");
    }
    remaining -= n;
    return n;
  }

  private TarEntry entry(
      char type,
      long headerSize,
      String rawName,
      String longName,
      String longLink,
      Map<String, byte[]> pax)
      throws IOException {
    String name = longName != null ? longName : rawName;
    boolean ustar = matches(257, "ustar\0");
    if (longName == null && ustar && header[345] != 0) {
      name = string(header, 345, 155) + "/" + name;
    }
    String linkName = longLink != null ? longLink : string(header, 157, 100);
    long size = headerSize;
    int uid = (int) number(108, 8, "uid", rawName);
    int gid = (int) number(116, 8, "gid", rawName);
    FileTime mtime = headerTime(number(136, 12, "mtime", rawName), rawName);
    FileTime atime = null;
    Map<String, byte[]> xattrs = Map.of();
    for (Map.Entry<String, byte[]> record : pax.entrySet()) {
      String key = record.getKey();
      byte[] value = record.getValue();
      if (key.startsWith("GNU.sparse.")) {
        throw new IOException("unsupported GNU sparse file in PAX headers of " + show(name));
      }
      switch (key) {
        case "path" -> name = latin1(value);
        case "linkpath" -> linkName = latin1(value);
        case "size" -> size = paxNumber(value, key);
        case "uid" -> uid = (int) paxNumber(value, key);
        case "gid" -> gid = (int) paxNumber(value, key);
        case "mtime" -> mtime = paxTime(value, key);
        case "atime" -> atime = paxTime(value, key);
        default -> {
          if (xattrs.isEmpty()) {
            xattrs = new LinkedHashMap<>();
          }
          if (key.startsWith("SCHILY.xattr.")) {
            xattrs.put(key.substring("SCHILY.xattr.".length()), value);
          } else if (key.startsWith("LIBARCHIVE.xattr.")) {
            try {
              String xattr =
                  URLDecoder.decode(
                      key.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
              xattrs.put(xattr, Base64.getDecoder().decode(value));
            } catch (IllegalArgumentException e) {
              // A bad %-escape in the name or a value that is not base64.
              throw new IOException("invalid PAX record " + key + ": " + e.getMessage(), e);
            }
          }
        }
      }
    }
    if (atime == null) {
      atime = mtime;
    }
    if (type == 0 || type == '7') {
      // v7 marks directories with a trailing slash; '7' (contiguous) is a regular file.
      type = type == 0 && name.endsWith("/") ? TarEntry.DIRECTORY : TarEntry.REGULAR;
    }
    // Links, devices, directories and FIFOs carry no data whatever their size field says.
    boolean headerOnly = type >= TarEntry.HARDLINK && type <= TarEntry.FIFO;
    long dataSize = headerOnly ? 0 : size;
    if (dataSize < 0) {
      throw new IOException("negative size for " + show(name));
    }
    remaining = dataSize;
    entrySize = dataSize;
    padding = (int) ((BLOCK - dataSize % BLOCK) % BLOCK);
    long devMajor = ustar || matches(257, "ustar ") ? number(329, 8, "devmajor", rawName) : 0;
    long devMinor = ustar || matches(257, "ustar ") ? number(337, 8, "devminor", rawName) : 0;
    int mode = (int) number(100, 8, "mode", rawName);
    return new TarEntry(
        name, linkName, type, mode, uid, gid, dataSize, mtime, atime, devMajor, devMinor, xattrs);
  }

  private boolean readBlock() throws IOException {
    int n = in.readNBytes(header, 0, BLOCK);
    if (n == 0) {
      return false;
    }
    if (n < BLOCK) {
      throw new EOFException("truncated archive: a header ends after " + n + " of 512 bytes");
    }
    return true;
  }

  private void verifyChecksum(String rawName) throws IOException {
    long stored = number(148, 8, "checksum", rawName);
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      int b = i >= 148 && i < 156 ? ' ' : header[i];
      unsigned += b & 0xff;
      signed += b;
    }
    if (stored != unsigned && stored != signed) {
      throw new IOException("bad header checksum in the header of " + show(rawName));
    }
  }

  private byte[] readMeta(long size, String rawName) throws IOException {
    if (size > MAX_META_SIZE) {
      throw new IOException("extended header of " + size + " bytes before " + show(rawName));
    }
    byte[] data = new byte[(int) size];
    int n = in.readNBytes(data, 0, data.length);
    if (n < data.length) {
      throw new EOFException("truncated archive inside an extended header");
    }
    discard((BLOCK - size % BLOCK) % BLOCK, "extended header padding");
    return data;
  }

  private void discardPadded(long size) throws IOException {
    discard(size + (BLOCK - size % BLOCK) % BLOCK, "global header");
  }

  private void discard(long count, String what) throws IOException {
    while (count > 0) {
      int n = in.read(scratch, 0, (int) Math.min(scratch.length, count));
      if (n < 0) {
        throw new EOFException("truncated archive inside " + what);
      }
      count -= n;
    }
  }

  private static void parsePax(byte[] data, Map<String, byte[]> into) throws IOException {
    int pos = 0;
    while (pos < data.length) {
      int space = pos;
      long length = 0;
      while (space < data.length && data[space] >= '0' && data[space] <= '9') {
        length = length * 10 + (data[space] - '0');
        if (length > data.length) {
          throw new IOException("malformed PAX record length");
        }
        space++;
      }
      int end = (int) (pos + length);
      // The length counts the whole record, its own digits and space included.
      if (space == pos
          || space >= data.length
          || data[space] != ' '
          || end <= space
          || end > data.length) {
        throw new IOException("malformed PAX record");
      }
      if (data[end - 1] != '\n') {
        throw new IOException("malformed PAX record: no newline");
      }
      int equals = space + 1;
      while (equals < end && data[equals] != '=') {
        equals++;
      }
      if (equals >= end) {
        throw new IOException("malformed PAX record: no '='");
      }
      String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
      byte[] value = Arrays.copyOfRange(data, equals + 1, end - 1);
      if (value.length == 0) {
        into.remove(key); // an empty value deletes the keyword
      } else {
        into.put(key, value);
      }
      pos = end;
    }
  }

  private long number(int off, int len, String field, String rawName) throws IOException {
    if ((header[off] & 0x80) != 0) {
      // GNU base-256: big-endian two's complement in the remaining bits.
      long value = (header[off] & 0x40) != 0 ? -1 : 0;
      value = (value << 6) | (header[off] & 0x3f);
      for (int i = off + 1; i < off + len; i++) {
        if ((value >> 55) != 0 && (value >> 55) != -1) {
          throw new IOException("header field " + field + " overflows in " + show(rawName));
        }
        value = (value << 8) | (header[i] & 0xff);
      }
      return value;
    }
    long value = 0;
    int i = off;
    int end = off + len;
    while (i < end && (header[i] == ' ' || header[i] == 0)) {
      i++;
    }
    for (; i < end && header[i] != ' ' && header[i] != 0; i++) {
      int digit = header[i] - '0';
      if (digit < 0 || digit > 7) {
        throw new IOException("invalid octal header field " + field + " in " + show(rawName));
      }
      value = (value << 3) | digit;
    }
    return value;
  }

  /** A base-256 mtime reaches 2^63 seconds, far past the last second {@link Instant} holds. */
  private static FileTime headerTime(long seconds, String rawName) throws IOException {
    try {
      return FileTime.from(Instant.ofEpochSecond(seconds));
    } catch (DateTimeException e) {
      throw new IOException(
          "header field mtime " + seconds + " is out of range in " + show(rawName), e);
    }
  }

  private static long paxNumber(byte[] value, String key) throws IOException {
    try {
      return Long.parseLong(new String(value, StandardCharsets.US_ASCII));
    } catch (NumberFormatException e) {
      throw new IOException("invalid PAX " + key + " value", e);
    }
  }

  private static FileTime paxTime(byte[] value, String key) throws IOException {
    try {
      BigDecimal seconds = new BigDecimal(new String(value, StandardCharsets.US_ASCII));
      BigDecimal whole = seconds.setScale(0, RoundingMode.FLOOR);
      long nanos = seconds.subtract(whole).movePointRight(9).longValue();
      return FileTime.from(Instant.ofEpochSecond(whole.longValueExact(), nanos));
    } catch (ArithmeticException | NumberFormatException | DateTimeException e) {
      throw new IOException("invalid PAX " + key + " value", e);
    }
  }

  private boolean matches(int off, String magic) {
    for (int i = 0; i < magic.length(); i++) {
      if (header[off + i] != magic.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String string(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.ISO_8859_1);
  }

  private static String cString(byte[] b) {
    return string(b, 0, b.length);
  }

  private static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /** A raw name for messages, decoded as UTF-8; a name past PATH_MAX only by its start. */
  static String show(String rawName) {
    String shown = rawName.length() > 4096 ? rawName.substring(0, 200) : rawName;
    return "\""
        + new String(shown.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)
        + (shown == rawName ? "\"" : "...\" (" + rawName.length() + " bytes)");
  }
}
