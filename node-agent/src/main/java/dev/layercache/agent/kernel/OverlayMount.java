package dev.layercache.agent.kernel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What to mount, described before anything is mounted: an overlay of {@code lowers} (top first)
 * under {@code upper}/{@code work} at {@code target}. Built by a pure function (the workspace
 * planner) and performed by a {@link Mounter}.
 *
 * @param options extra overlay options, e.g. {@code volatile} or {@code index=off}
 * @param nosuid mount with nosuid (setuid bits and file capabilities ignored)
 * @param nodev mount with nodev (device nodes cannot be opened)
 */
public record OverlayMount(
    Path target,
    List<Path> lowers,
    Path upper,
    Path work,
    List<String> options,
    boolean nosuid,
    boolean nodev) {

  /** The source field every layercache overlay has in /proc/self/mountinfo. */
  public static final String SOURCE = "layercache";

  public static final String FSTYPE = "overlay";

  public OverlayMount {
    lowers = List.copyOf(lowers);
    options = List.copyOf(options);
    if (lowers.isEmpty()) {
      throw new IllegalArgumentException("an overlay needs at least one lower layer");
    }
    if ((upper == null) != (work == null)) {
      throw new IllegalArgumentException("upper and work go together");
    }
  }

  /**
   * The option string mount(2) would get with these lower directory names (top first), e.g. {@code
   * lowerdir=l/A:l/B,upperdir=U,workdir=W,volatile}.
   */
  public String data(List<String> lowerNames) {
    List<String> parts = new ArrayList<>();
    parts.add("lowerdir=" + String.join(":", lowerNames));
    if (upper != null) {
      parts.add("upperdir=" + upper);
      parts.add("workdir=" + work);
    }
    parts.addAll(options);
    return String.join(",", parts);
  }

  /** The mount flags as text, for messages: {@code nosuid,nodev}. */
  public String flags() {
    List<String> flags = new ArrayList<>();
    if (nosuid) {
      flags.add("nosuid");
    }
    if (nodev) {
      flags.add("nodev");
    }
    return flags.isEmpty() ? "-" : String.join(",", flags);
  }

  /** One line for errors and logs: type, source, target, flags, options with full lower paths. */
  public String describe() {
    return "type="
        + FSTYPE
        + " source="
        + SOURCE
        + " target="
        + target
        + " flags="
        + flags()
        + " options="
        + data(lowers.stream().map(Path::toString).toList());
  }
}
