package dev.layercache.agent.unpack;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.oci.testing.FuzzBudget;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Any tar, unpacked as root into a fresh target directory beside an "outside" tree: it unpacks or
 * fails with an {@link UnpackException} for this layer that names the entry it failed on (never
 * another exception), nothing beside the target is created, nothing outside it changes (contents,
 * modes, owners, link counts, times, xattrs: what following a symlink or a hard link out would
 * change), and the target can always be deleted, as the store deletes a failed layer's staging.
 */
class LayerUnpackerFuzzTest {
  /** Fixed, so seeds (see UnpackFuzzSeedsTest) can aim absolute symlinks and hardlinks at it. */
  static final Path SCRATCH = Path.of("/tmp/layercache-unpack-fuzz");

  static final Path OUTSIDE = SCRATCH.resolve("outside");
  private static final String LAYER = "layer sha256:fuzz";
  private static final Path PASSWD = Path.of("/etc/passwd");
  // Outside files get an old mtime, so that a time set through a link shows.
  private static final FileTime OLD = FileTime.fromMillis(1_000_000_000_000L);
  private static Path scratch;
  private static FileChannel scratchLock;
  private static Map<String, String> outsideBefore;
  private static String passwdBefore;

  @FuzzTest(maxDuration = FuzzBudget.CI)
  void unpack(byte[] tar) throws Exception {
    RootRequired.assumeRoot();
    Path outside = scratchFor();
    Path target = Files.createDirectory(scratch.resolve("layer"));
    try {
      new LayerUnpacker().unpack(new ByteArrayInputStream(tar), target, LAYER);
    } catch (UnpackException e) {
      assertThat(e.layer()).isEqualTo(LAYER);
      assertThat(e.getMessage()).startsWith(LAYER + ": ");
      if (e.entry() != null) {
        assertThat(e.getMessage()).startsWith(LAYER + ": entry " + e.entry() + ": ");
      }
    }
    assertThat(tree(outside)).as("the tree outside the target").isEqualTo(outsideBefore);
    assertThat(describe(PASSWD)).as("/etc/passwd").isEqualTo(passwdBefore);
    try (Stream<Path> beside = Files.list(scratch)) {
      assertThat(beside.map(p -> p.getFileName().toString()))
          .as("beside the target")
          .containsExactlyInAnyOrder("outside", "layer");
    }
    DirFd.deleteTree(target);
    assertThat(Files.exists(target, LinkOption.NOFOLLOW_LINKS)).as("target deleted").isFalse();
  }

  /**
   * The outside tree of this JVM, made (again) when it is not as made: a finding of the previous
   * input never leaks into the next. The fixed directory is this JVM's while it holds its lock (a
   * second fuzzing JVM on the machine gets a directory of its own, which the seeds do not name).
   */
  private static Path scratchFor() throws IOException {
    if (scratch == null) {
      scratch = claimFixedScratch() ? SCRATCH : Files.createTempDirectory("layercache-unpack-fuzz");
    }
    Path outside = scratch.resolve("outside");
    Path leftover = scratch.resolve("layer");
    if (Files.exists(leftover, LinkOption.NOFOLLOW_LINKS)) {
      DirFd.deleteTree(leftover);
    }
    if (outsideBefore != null && tree(outside).equals(outsideBefore) && onlyOutside()) {
      return outside;
    }
    DirFd.deleteTree(scratch);
    Files.createDirectories(outside.resolve("dir"));
    Files.writeString(outside.resolve("sentinel"), "original");
    Files.writeString(outside.resolve("dir/file"), "original");
    Files.createSymbolicLink(outside.resolve("link"), Path.of("sentinel"));
    for (String node : new String[] {"dir/file", "dir", "sentinel", ""}) {
      Files.setLastModifiedTime(outside.resolve(node), OLD);
    }
    outsideBefore = tree(outside);
    passwdBefore = describe(PASSWD);
    return outside;
  }

  private static boolean onlyOutside() throws IOException {
    try (Stream<Path> beside = Files.list(scratch)) {
      return beside.map(p -> p.getFileName().toString()).toList().equals(List.of("outside"));
    }
  }

  /** The lock is held until the JVM ends. */
  private static boolean claimFixedScratch() throws IOException {
    scratchLock =
        FileChannel.open(
            Path.of(SCRATCH + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock held = scratchLock.tryLock();
    if (held == null) {
      scratchLock.close();
      System.err.println(SCRATCH + " is another JVM's: unpacking beside a directory of our own");
      return false;
    }
    return true;
  }

  /** Path -> what a layer escaping the target could change, without following symlinks. */
  private static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.toList()) {
        out.put(root.relativize(p).toString(), describe(p));
      }
    }
    return out;
  }

  private static String describe(Path p) throws IOException {
    String what =
        Files.isSymbolicLink(p)
            ? "link " + Files.readSymbolicLink(p)
            : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                ? "dir"
                : "file " + HexFormat.of().formatHex(sha256(Files.readAllBytes(p)));
    Map<String, Object> attributes =
        Files.readAttributes(
            p, "unix:mode,uid,gid,nlink,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
    return what + " " + new TreeMap<>(attributes) + " xattrs " + Syscalls.listXattrs(p);
  }

  private static byte[] sha256(byte[] bytes) throws IOException {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IOException(e);
    }
  }
}
