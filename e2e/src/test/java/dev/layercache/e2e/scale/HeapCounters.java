package dev.layercache.e2e.scale;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A JVM's heap in use, read as jstat reads it: from the performance counters the JVM keeps in its
 * hsperfdata file, so sampling it every second costs the measured JVM nothing (scraping its
 * /metrics every second cost the operator about 5% of its CPU at 20 nodes).
 */
final class HeapCounters {
  private static final int MAGIC = 0xcafec0c0;
  private static final Pattern SPACE_USED =
      Pattern.compile("sun\\.gc\\.generation\\.\\d+\\.space\\.\\d+\\.used");

  private final Path file;

  HeapCounters(long pid) {
    file =
        Path.of(System.getProperty("java.io.tmpdir"), "hsperfdata_" + user(), Long.toString(pid));
  }

  /** Bytes in use in every space of every generation (jstat -gc's EU + S0U + S1U + OU). */
  long usedBytes() throws IOException {
    ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file));
    if (data.getInt(0) != MAGIC) {
      throw new IOException(file + " is not a JVM's performance data");
    }
    // The prologue says the order of everything after it (its magic is always big-endian).
    data.order(data.get(4) == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    int entry = data.getInt(24);
    int entries = data.getInt(28);
    long used = 0;
    for (int i = 0; i < entries; i++) {
      int length = data.getInt(entry);
      int nameOffset = data.getInt(entry + 4);
      int vectorLength = data.getInt(entry + 8);
      byte type = data.get(entry + 12);
      int dataOffset = data.getInt(entry + 16);
      if (type == 'J'
          && vectorLength == 0
          && SPACE_USED.matcher(name(data, entry + nameOffset)).matches()) {
        used += data.getLong(entry + dataOffset);
      }
      entry += length;
    }
    return used;
  }

  private static String name(ByteBuffer data, int start) {
    int end = start;
    while (data.get(end) != 0) {
      end++;
    }
    return new String(data.array(), start, end - start, StandardCharsets.US_ASCII);
  }

  private static String user() {
    return System.getProperty("user.name");
  }
}
