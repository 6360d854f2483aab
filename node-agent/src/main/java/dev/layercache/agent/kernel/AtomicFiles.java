package dev.layercache.agent.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Replaces a file so that a reader, or a crash, sees the old content or the new, never a part:
 * write a temp file beside the target, sync it, rename it over the target, sync the directory. Temp
 * files are dot-names ({@code .NAME.tmp-UUID}); listings skip dot-names.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Replaces {@code target} with {@code content}, durably (synced before and after the rename). */
  public static void write(Path target, byte[] content) throws IOException {
    write(target, content, true);
  }

  /**
   * Replaces {@code target} with {@code content}; {@code durable} false skips the syncs, for
   * records that a crash makes worthless anyway (a volatile workspace's).
   */
  public static void write(Path target, byte[] content, boolean durable) throws IOException {
    Path temp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    try {
      try (FileChannel out =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        if (durable) {
          out.force(true);
        }
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
    if (durable) {
      fsyncDirectory(target.getParent());
    }
  }

  /** Makes the directory's entries (a rename, a create) survive a crash. */
  public static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
