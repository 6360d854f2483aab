package dev.layercache.agent.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Performs overlay mounts and says which are there. {@link OverlayMounter} is the real one. */
public interface Mounter {

  /** Mounts the overlay; on failure nothing is mounted and a {@link MountException} says why. */
  void mount(OverlayMount mount) throws IOException;

  /**
   * Unmounts target. {@code detach}: lazily (MNT_DETACH), so a busy mount disappears from the
   * namespace now and is freed when its last user leaves. A busy mount without detach fails with a
   * {@link MountException} whose errno is EBUSY.
   */
  void unmount(Path target, boolean detach) throws IOException;

  /**
   * Changes the nosuid and nodev flags of the mount at target in place (a bind remount: the
   * filesystem and its users are not disturbed).
   */
  void setFlags(Path target, boolean nosuid, boolean nodev) throws IOException;

  /** The overlay mounts in this mount namespace, in mount order. */
  List<MountPoint> overlayMounts() throws IOException;
}
