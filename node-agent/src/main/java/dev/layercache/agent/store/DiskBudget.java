package dev.layercache.agent.store;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps pulls from pushing the store's filesystem past its high watermark, twice: before a pull,
 * with the least the layers will take (their compressed size: the unpacked size is not known until
 * they are unpacked), and while each layer unpacks, by looking at the disk every {@link
 * #CHECK_EVERY_BYTES} of tar ({@link #guard}). So an image that fits is never refused on a guess,
 * and one that does not fit stops at the watermark, not at a full disk.
 */
public record DiskBudget(double highWatermark) {
  static final long CHECK_EVERY_BYTES = 1 << 20;

  public DiskBudget {
    if (!(highWatermark > 0 && highWatermark <= 1)) {
      throw new IllegalArgumentException(
          "high watermark must be a fraction in (0, 1], got " + highWatermark);
    }
  }

  public static DiskBudget defaults() {
    return new DiskBudget(0.90);
  }

  /**
   * Wraps a layer's tar stream so that reading it fails with {@link DiskPressureException} once the
   * filesystem holding {@code root} is past the watermark.
   */
  public InputStream guard(InputStream tar, Path root, String what) {
    return new FilterInputStream(tar) {
      private long sinceCheck;

      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          count(1);
        }
        return b;
      }

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
          count(n);
        }
        return n;
      }

      private void count(int n) throws IOException {
        sinceCheck += n;
        if (sinceCheck >= CHECK_EVERY_BYTES) {
          sinceCheck = 0;
          check(root, 0, what);
        }
      }
    };
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
              "DiskPressure: %s needs at least %d more bytes on disk, but %s has %d bytes left"
                  + " below its high watermark (%.0f%% of %d bytes; %d used): free space (layercache"
                  + " gc) or raise the watermark (--high-watermark)",
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
