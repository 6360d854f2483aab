package dev.layercache.agent.unpack;

import dev.layercache.agent.kernel.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * How a layer directory says "removed" in overlayfs' own terms, which the unpacker writes and the
 * committer and the analyzer read: a whiteout is a 0/0 character device; an opaque directory (its
 * lower contents hidden) carries {@code trusted.overlay.opaque=y}.
 */
public final class OverlayMarks {
  public static final String OPAQUE_XATTR = "trusted.overlay.opaque";

  /** The tar entry that marks an opaque directory in an OCI layer. */
  public static final String OPAQUE_MARKER = ".wh..wh..opq";

  /** The prefix of the tar entry that marks a removed path in an OCI layer. */
  public static final String WHITEOUT_PREFIX = ".wh.";

  private OverlayMarks() {}

  /** A whiteout, from a file's {@code unix:mode} and {@code unix:rdev}. */
  public static boolean isWhiteout(int mode, long rdev) {
    return (mode & Syscalls.S_IFMT) == Syscalls.S_IFCHR && rdev == 0;
  }

  /** Whether the directory hides everything below it in lower layers. */
  public static boolean isOpaque(Path dir) throws IOException {
    Optional<byte[]> value = Syscalls.getXattr(dir, OPAQUE_XATTR);
    return value.isPresent() && Arrays.equals(value.get(), "y".getBytes(StandardCharsets.UTF_8));
  }
}
