package dev.layercache.agent.unpack;

import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * One tar entry's header, after PAX and GNU extensions are applied. Names are raw bytes carried in
 * ISO-8859-1 strings; xattr values are raw bytes.
 */
record TarEntry(
    String name,
    String linkName,
    char type,
    int mode,
    int uid,
    int gid,
    long size,
    FileTime mtime,
    FileTime atime,
    long devMajor,
    long devMinor,
    Map<String, byte[]> xattrs) {

  static final char REGULAR = '0';
  static final char HARDLINK = '1';
  static final char SYMLINK = '2';
  static final char CHAR_DEVICE = '3';
  static final char BLOCK_DEVICE = '4';
  static final char DIRECTORY = '5';
  static final char FIFO = '6';
}
