package dev.layercache.agent.workspace;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the processes that keep a mount busy, the way fuser(1) does: a working directory, root,
 * open file or mapped file under the mount point. Best effort: processes come and go while we look,
 * and those we may not inspect are skipped.
 */
public final class BusyHolders {
  private static final Path PROC = Path.of("/proc");

  private BusyHolders() {}

  /** "1234 (bash: cwd)" for each process holding something under {@code mountPoint}. */
  public static List<String> find(Path mountPoint) {
    String prefix = mountPoint.toString();
    List<String> holders = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC, "[0-9]*")) {
      for (Path proc : procs) {
        Set<String> how = new TreeSet<>();
        check(proc.resolve("cwd"), prefix, "cwd", how);
        check(proc.resolve("root"), prefix, "root", how);
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
          for (Path fd : fds) {
            check(fd, prefix, "open file", how);
          }
        } catch (IOException | SecurityException e) {
          // gone or not ours to read
        }
        try {
          for (String line : Files.readAllLines(proc.resolve("maps"))) {
            int slash = line.indexOf(" /");
            if (slash >= 0 && under(line.substring(slash + 1), prefix)) {
              how.add("mapped file");
              break;
            }
          }
        } catch (IOException | SecurityException e) {
          // gone or not ours to read
        }
        if (!how.isEmpty()) {
          holders.add(
              proc.getFileName() + " (" + command(proc) + ": " + String.join(", ", how) + ")");
        }
      }
    } catch (IOException e) {
      return holders;
    }
    return holders;
  }

  private static void check(Path link, String prefix, String what, Set<String> how) {
    try {
      if (under(Files.readSymbolicLink(link).toString(), prefix)) {
        how.add(what);
      }
    } catch (IOException | SecurityException | UnsupportedOperationException e) {
      // gone, or not a link we may read
    }
  }

  private static boolean under(String path, String prefix) {
    return path.equals(prefix) || path.startsWith(prefix + "/");
  }

  private static String command(Path proc) {
    try {
      return Files.readString(proc.resolve("comm")).strip();
    } catch (IOException e) {
      return "?";
    }
  }
}
