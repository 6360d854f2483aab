package dev.layercache.agent.kernel;

/** What statfs(2) says about a filesystem. */
public record FsStats(
    long type,
    long blockSize,
    long blocks,
    long freeBlocks,
    long availableBlocks,
    long files,
    long freeFiles) {

  /** overlayfs' f_type. */
  public static final long OVERLAYFS_MAGIC = 0x794c7630L;

  public long capacityBytes() {
    return blocks * blockSize;
  }

  /** Bytes an unprivileged writer may still use (root may use {@link #freeBlocks} more). */
  public long availableBytes() {
    return availableBlocks * blockSize;
  }
}
