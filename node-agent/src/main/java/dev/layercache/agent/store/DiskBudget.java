package dev.layercache.agent.store;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Refuses a pull that would push the store's filesystem past its high watermark. The unpacked size
 * of a layer is not known before it is unpacked, so compressed layers are estimated at {@link
 * #EXPANSION} times their blob size (gzip and zstd image layers typically expand 2-3x).
 */
public record DiskBudget(double highWatermark) {
  static final long EXPANSION = 3;

  public DiskBudget {
    if (!(highWatermark > 0 && highWatermark <= 1)) {
      throw new IllegalArgumentException(
          "high watermark must be a fraction in (0, 1], got " + highWatermark);
    }
  }

  public static DiskBudget defaults() {
    return new DiskBudget(0.90);
  }

  /** Estimated bytes on disk for a blob of this media type and size once unpacked. */
  public static long estimateUnpacked(String mediaType, long compressedBytes) {
    boolean compressed = mediaType.endsWith("gzip") || mediaType.endsWith("zstd");
    return compressed ? compressedBytes * EXPANSION : compressedBytes;
  }

  /**
   * Checks that {@code neededBytes} more fit under the watermark of the filesystem holding {@code
   * root}; {@code what} names the pull in the error.
   */
  public void check(Path root, long neededBytes, String what) throws IOException {
    FileStore fs = Files.getFileStore(root);
    long total = fs.getTotalSpace();
    long used = total - fs.getUnallocatedSpace();
    long allowed = (long) (total * highWatermark);
    if (used + neededBytes > allowed) {
      throw new DiskPressureException(
          String.format(
              "%s needs about %d bytes on disk, but %s has %d bytes left below its high watermark"
                  + " (%.0f%% of %d bytes; %d used)",
              what,
              neededBytes,
              root,
              Math.max(0, allowed - used),
              highWatermark * 100,
              total,
              used));
    }
  }
}
