package dev.layercache.agent.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Parses /proc/self/mountinfo (proc(5)); fields are octal-escaped ({@code \040} is a space). */
public final class MountInfo {
  static final Path SELF = Path.of("/proc/self/mountinfo");

  private MountInfo() {}

  /** The mounts of this process' mount namespace. */
  public static List<MountPoint> read() throws IOException {
    return parse(Files.readString(SELF));
  }

  /**
   * {@code 36 35 98:0 /root /mnt rw,noatime master:1 - ext3 /dev/root rw,errors=continue}: mount
   * id, parent id, dev, root, mount point, options, optional fields up to "-", then fstype, source
   * and super options.
   */
  public static List<MountPoint> parse(String mountinfo) {
    List<MountPoint> mounts = new ArrayList<>();
    for (String line : mountinfo.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(" ");
      int dash = -1;
      for (int i = 6; i < f.length; i++) {
        if (f[i].equals("-")) {
          dash = i;
          break;
        }
      }
      if (dash < 0 || dash + 2 >= f.length) {
        throw new IllegalArgumentException("malformed mountinfo line: " + line);
      }
      mounts.add(
          new MountPoint(
              Path.of(unescape(f[4])),
              unescape(f[dash + 1]),
              unescape(f[dash + 2]),
              dash + 3 < f.length ? unescape(f[dash + 3]) : ""));
    }
    return mounts;
  }

  static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length() + 0 && isOctal(field, i + 1)) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }
}
