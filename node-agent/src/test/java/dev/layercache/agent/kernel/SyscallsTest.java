package dev.layercache.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyscallsTest {
  @TempDir Path dir;

  @Test
  void errorsNameTheCallThePathAndTheErrno() {
    Path missing = dir.resolve("missing/x");
    assertThatThrownBy(() -> Syscalls.mknod(missing, Syscalls.S_IFIFO | 0644, 0, 0))
        .isInstanceOf(SyscallException.class)
        .hasMessage("mknod " + missing + " (fifo 0:0): ENOENT No such file or directory");
  }

  @Test
  void xattrsRoundTripWithBinaryValues() throws Exception {
    Path file = Files.createFile(dir.resolve("f"));
    byte[] value = {0, 1, (byte) 0x80, (byte) 0xff};
    Syscalls.setXattr(file, "user.test", value);
    assertThat(Syscalls.getXattr(file, "user.test")).hasValue(value);
    assertThat(Syscalls.getXattr(file, "user.absent")).isEmpty();
    assertThat(Syscalls.listXattrs(file)).contains("user.test");
  }

  @Test
  void setTimesChangesASymlinkNotItsTarget() throws Exception {
    Path target = Files.createFile(dir.resolve("target"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), target);
    FileTime before = Files.getLastModifiedTime(target);
    FileTime when = FileTime.from(Instant.parse("2001-02-03T04:05:06.123456789Z"));
    Syscalls.setTimes(link, when, when);
    assertThat(Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS)).isEqualTo(when);
    assertThat(Files.getLastModifiedTime(target)).isEqualTo(before);
  }

  @Test
  void mknodMakesOverlayWhiteoutsAsRoot() throws Exception {
    RootRequired.assumeRoot();
    Path whiteout = dir.resolve("w");
    Syscalls.mknod(whiteout, Syscalls.S_IFCHR, 0, 0);
    assertThat(Files.getAttribute(whiteout, "unix:mode", LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(Syscalls.S_IFCHR);
    assertThat(Files.getAttribute(whiteout, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0L);
    Syscalls.lchown(whiteout, 12, 34);
    assertThat(Files.getAttribute(whiteout, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(12);
    Syscalls.setXattr(dir, "trusted.overlay.opaque", new byte[] {'y'});
    assertThat(Syscalls.getXattr(dir, "trusted.overlay.opaque")).hasValue(new byte[] {'y'});
  }

  @Test
  void makedevMatchesTheKernelEncoding() {
    assertThat(Syscalls.makedev(8, 1)).isEqualTo(0x801L);
    assertThat(Syscalls.makedev(259, 65536)).isEqualTo(0x10010300L);
  }

  @Test
  void statfsReportsCapacity() throws Exception {
    FsStats stats = Syscalls.statfs(dir);
    assertThat(stats.capacityBytes()).isPositive();
    assertThat(stats.availableBytes()).isBetween(0L, stats.capacityBytes());
    Syscalls.syncfs(dir);
  }

  @Test
  void deleteTreeNeverFollowsSymlinksAndHandlesReadOnlyDirectories() throws Exception {
    Path outside = Files.writeString(dir.resolve("outside"), "keep");
    Path tree = dir.resolve("tree");
    Files.createDirectories(tree.resolve("a/b"));
    Files.writeString(tree.resolve("a/b/file"), "x");
    Files.createSymbolicLink(tree.resolve("a/link"), outside);
    Files.createSymbolicLink(tree.resolve("a/dirlink"), dir);
    tree.resolve("a/b").toFile().setWritable(false);
    tree.resolve("a").toFile().setReadOnly();
    DirFd.deleteTree(tree);
    assertThat(tree).doesNotExist();
    assertThat(outside).hasContent("keep");
    DirFd.deleteTree(tree); // already gone: fine
  }
}
