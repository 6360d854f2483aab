package dev.layercache.agent.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Performs overlay mounts and bind mounts of them, and says which are there. {@link OverlayMounter}
 * is the real one.
 */
public interface Mounter {

  /** Mounts the overlay; on failure nothing is mounted and a {@link MountException} says why. */
  void mount(OverlayMount mount) throws IOException;

  /**
   * Bind-mounts {@code bind.source()} at {@code bind.target()} with the bind's flags; on failure
   * nothing is mounted at the target.
   */
  void bind(BindMount bind) throws IOException;

  /**
   * Unmounts target (an overlay or a bind). {@code detach}: lazily (MNT_DETACH), so a busy mount
   * disappears from the namespace now and is freed when its last user leaves. A busy mount without
   * detach fails with a {@link MountException} whose errno is EBUSY.
   */
  void unmount(Path target, boolean detach) throws IOException;

  /**
   * Changes the nosuid and nodev flags of the mount at target in place (a bind remount: the
   * filesystem and its users are not disturbed).
   */
  void setFlags(Path target, boolean nosuid, boolean nodev) throws IOException;

  /**
   * The overlay mounts in this mount namespace, in mount order; a bind of an overlay is one too,
   * with the overlay's super options (its upperdir).
   */
  List<MountPoint> overlayMounts() throws IOException;
}
