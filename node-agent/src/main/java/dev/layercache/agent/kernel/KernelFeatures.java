package dev.layercache.agent.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this kernel's overlayfs supports, probed once at start. Each option is probed by setting it
 * on a throwaway filesystem context (fsopen/fsconfig check parameter names without mounting); on a
 * libc or kernel without the new mount API the module parameters and the kernel version decide.
 *
 * @param overlay overlayfs is available and we may mount (root)
 * @param newMountApi fsopen/fsconfig/fsmount/move_mount work here
 * @param lowerdirPlus one {@code lowerdir+} parameter per layer (Linux 6.8): no length limit
 * @param volatileUpper {@code volatile}: no syncs to the upper filesystem (Linux 5.10)
 * @param index the {@code index} option exists (layercache turns it off)
 * @param redirectDir the {@code redirect_dir} option exists (layercache turns it off)
 * @param metacopy the {@code metacopy} option exists (layercache turns it off)
 * @param userxattr {@code userxattr}: overlay xattrs in user.* for unprivileged mounts (5.11)
 */
public record KernelFeatures(
    boolean overlay,
    boolean newMountApi,
    boolean lowerdirPlus,
    boolean volatileUpper,
    boolean index,
    boolean redirectDir,
    boolean metacopy,
    boolean userxattr) {

  private static final Path PARAMETERS = Path.of("/sys/module/overlay/parameters");

  private static volatile KernelFeatures probed;

  /** The features of the running kernel, probed on first use and then remembered. */
  public static KernelFeatures get() {
    KernelFeatures features = probed;
    if (features == null) {
      features = probe();
      probed = features;
    }
    return features;
  }

  static KernelFeatures probe() {
    boolean overlay = Syscalls.isRoot() && overlayListed();
    if (!overlay) {
      return new KernelFeatures(false, false, false, false, false, false, false, false);
    }
    int fd;
    try {
      fd = Syscalls.fsopen(OverlayMount.FSTYPE);
    } catch (SyscallException | LinkageError e) {
      return fromVersion();
    }
    try {
      return new KernelFeatures(
          true,
          true,
          accepts(fd, "lowerdir+", "/"),
          accepts(fd, "volatile", null),
          accepts(fd, "index", "off"),
          accepts(fd, "redirect_dir", "off"),
          accepts(fd, "metacopy", "off"),
          accepts(fd, "userxattr", null));
    } finally {
      Syscalls.closeFd(fd);
    }
  }

  private static boolean accepts(int fd, String key, String value) {
    try {
      Syscalls.fsconfig(fd, key, value);
      return true;
    } catch (SyscallException e) {
      return false;
    }
  }

  /** Without fsopen: the module's parameters and the kernel version. */
  private static KernelFeatures fromVersion() {
    int[] v = kernelVersion();
    boolean atLeast510 = v[0] > 5 || (v[0] == 5 && v[1] >= 10);
    boolean atLeast511 = v[0] > 5 || (v[0] == 5 && v[1] >= 11);
    return new KernelFeatures(
        true,
        false,
        false,
        atLeast510,
        Files.exists(PARAMETERS.resolve("index")),
        Files.exists(PARAMETERS.resolve("redirect_dir")),
        Files.exists(PARAMETERS.resolve("metacopy")),
        atLeast511);
  }

  private static boolean overlayListed() {
    try {
      return Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n");
    } catch (IOException e) {
      return false;
    }
  }

  static int[] kernelVersion() {
    String release = System.getProperty("os.version", "0.0");
    String[] parts = release.split("[.-]");
    try {
      return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    } catch (RuntimeException e) {
      return new int[] {0, 0};
    }
  }

  /** The probed options for logs and benchmark headers, e.g. "lowerdir+ volatile". */
  public String summary() {
    StringBuilder s = new StringBuilder();
    if (lowerdirPlus) {
      s.append("lowerdir+ ");
    }
    if (volatileUpper) {
      s.append("volatile ");
    }
    if (index) {
      s.append("index ");
    }
    if (redirectDir) {
      s.append("redirect_dir ");
    }
    if (metacopy) {
      s.append("metacopy ");
    }
    if (userxattr) {
      s.append("userxattr ");
    }
    return s.toString().strip();
  }
}
