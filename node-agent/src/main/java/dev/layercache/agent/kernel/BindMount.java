package dev.layercache.agent.kernel;

import java.nio.file.Path;

/**
 * What to bind-mount, described before anything is mounted: the mounted directory {@code source}
 * shown again at {@code target} (the same filesystem, not a second mount of it), with its own
 * per-mount flags.
 *
 * @param readOnly writes through {@code target} fail with EROFS; {@code source} stays writable
 */
public record BindMount(Path source, Path target, boolean readOnly, boolean nosuid, boolean nodev) {

  public String describe() {
    return "bind source="
        + source
        + " target="
        + target
        + (readOnly ? " ro" : " rw")
        + (nosuid ? ",nosuid" : "")
        + (nodev ? ",nodev" : "");
  }
}
