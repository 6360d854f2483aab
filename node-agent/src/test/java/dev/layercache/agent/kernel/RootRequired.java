package dev.layercache.agent.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** For tests that need root (or overlayfs): they skip elsewhere, but fail when CI=true. */
public final class RootRequired {
  private RootRequired() {}

  public static void assumeRoot() {
    require(Syscalls.isRoot(), "this test needs root");
  }

  public static void assumeOverlayfs() {
    assumeRoot();
    boolean overlay;
    try {
      overlay = Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n");
    } catch (java.io.IOException e) {
      overlay = false;
    }
    require(overlay, "this test needs overlayfs in /proc/filesystems");
  }

  /** Any other precondition (a tool, a kernel feature) with the same skip-or-fail rule. */
  public static void require(boolean condition, String why) {
    if (condition) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(why + ", and CI=true means it must run, not skip");
    }
    Assumptions.abort(why);
  }
}
