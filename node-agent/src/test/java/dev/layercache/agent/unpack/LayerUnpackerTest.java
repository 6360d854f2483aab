package dev.layercache.agent.unpack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.kernel.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerUnpackerTest {
  private static final String LAYER = "layer sha256:test";
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private static final FileTime OLD = FileTime.from(Instant.parse("2001-02-03T04:05:06.5Z"));

  @TempDir Path tmp;
  private Path layer;

  @BeforeEach
  void setUp() throws IOException {
    RootRequired.assumeRoot();
    layer = Files.createDirectory(tmp.resolve("layer"));
  }

  @Test
  void keepsEveryEntryTypeWithOwnersModesTimesAndXattrs() throws Exception {
    byte[] capability = {1, 0, 0, 2, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    xattrs.put("SCHILY.xattr.security.capability", capability);
    xattrs.put("SCHILY.xattr.user.note", "hello".getBytes(StandardCharsets.UTF_8));
    String longDir = "d".repeat(120) + "/" + "e".repeat(120);
    String longName = longDir + "/" + "f".repeat(200);
    UnpackResult result =
        unpack(
            new TarBuilder()
                .dir("tmp", 01777)
                .entry(
                    "usr/bin/su",
                    TarConstants.LF_NORMAL,
                    bytes("#!"),
                    e -> {
                      e.setMode(04755);
                      e.setModTime(OLD);
                    })
                .entry(
                    "usr/bin/wall",
                    TarConstants.LF_NORMAL,
                    bytes("w"),
                    e -> {
                      e.setMode(02755);
                      e.setIds(0, 5);
                    })
                .pax(xattrs)
                .file("usr/bin/ping", "ping", 0755)
                .entry(
                    "home/user/",
                    TarConstants.LF_DIR,
                    new byte[0],
                    e -> {
                      e.setMode(0700);
                      e.setIds(1000, 1001);
                      e.setModTime(OLD);
                    })
                .entry(
                    "home/user/.profile",
                    TarConstants.LF_NORMAL,
                    bytes("PS1"),
                    e -> {
                      e.setMode(0600);
                      e.setIds(1000, 1001);
                    })
                .entry(
                    "usr/bin/python",
                    TarConstants.LF_SYMLINK,
                    new byte[0],
                    e -> {
                      e.setLinkName("/usr/bin/python3.12");
                      e.setModTime(OLD);
                      e.setIds(7, 8);
                    })
                .hardlink("usr/bin/su2", "usr/bin/su")
                .entry("run/fifo", TarConstants.LF_FIFO, new byte[0], e -> e.setMode(0620))
                .entry(
                    "dev/null",
                    TarConstants.LF_CHR,
                    new byte[0],
                    e -> {
                      e.setMode(0666);
                      e.setDevMajor(1);
                      e.setDevMinor(3);
                    })
                .entry(
                    "dev/loop0",
                    TarConstants.LF_BLK,
                    new byte[0],
                    e -> {
                      e.setMode(0660);
                      e.setDevMajor(7);
                      e.setDevMinor(0);
                    })
                .file(longName, "long")
                .build());

    assertThat(mode("tmp")).isEqualTo(Syscalls.S_IFDIR | 01777);
    assertThat(mode("usr/bin/su")).isEqualTo(Syscalls.S_IFREG | 04755);
    assertThat(mtime("usr/bin/su")).isEqualTo(OLD);
    assertThat(mode("usr/bin/wall")).isEqualTo(Syscalls.S_IFREG | 02755);
    assertThat(attr("usr/bin/wall", "gid")).isEqualTo(5);
    assertThat(Syscalls.getXattr(layer.resolve("usr/bin/ping"), "security.capability"))
        .hasValue(capability);
    assertThat(Syscalls.getXattr(layer.resolve("usr/bin/ping"), "user.note"))
        .hasValue(bytes("hello"));
    assertThat(mode("home/user")).isEqualTo(Syscalls.S_IFDIR | 0700);
    assertThat(attr("home/user", "uid")).isEqualTo(1000);
    assertThat(attr("home/user", "gid")).isEqualTo(1001);
    assertThat(mtime("home/user")).isEqualTo(OLD); // set after its child was written
    assertThat(attr("home/user/.profile", "uid")).isEqualTo(1000);
    assertThat(mode("home/user/.profile")).isEqualTo(Syscalls.S_IFREG | 0600);
    assertThat(Files.readSymbolicLink(layer.resolve("usr/bin/python")))
        .isEqualTo(Path.of("/usr/bin/python3.12"));
    assertThat(mtime("usr/bin/python")).isEqualTo(OLD);
    assertThat(attr("usr/bin/python", "uid")).isEqualTo(7);
    assertThat(attr("usr/bin/su2", "ino")).isEqualTo(attr("usr/bin/su", "ino"));
    assertThat(attr("usr/bin/su", "nlink")).isEqualTo(2);
    assertThat(mode("run/fifo")).isEqualTo(Syscalls.S_IFIFO | 0620);
    assertThat(mode("dev/null")).isEqualTo(Syscalls.S_IFCHR | 0666);
    assertThat(attr("dev/null", "rdev")).isEqualTo(Syscalls.makedev(1, 3));
    assertThat(mode("dev/loop0")).isEqualTo(Syscalls.S_IFBLK | 0660);
    assertThat(attr("dev/loop0", "rdev")).isEqualTo(Syscalls.makedev(7, 0));
    assertThat(layer.resolve(longName)).hasContent("long");
    assertThat(mode("usr")).isEqualTo(Syscalls.S_IFDIR | 0755); // implied by a child
    assertThat(result).isEqualTo(new UnpackResult(12, 5, 2 + 1 + 4 + 3 + 4));
  }

  @Test
  void whiteoutsBecomeOverlayWhiteoutsAndOpaqueMarkersAnXattr() throws Exception {
    unpack(
        new TarBuilder()
            .dir("etc")
            .file("etc/.wh.passwd", "")
            .file(".wh.home", "")
            .file("var/lib/.wh..wh..opq", "")
            .file("var/lib/new", "n")
            .file(".wh..wh.plnk", "")
            .build());

    assertThat(mode("etc/passwd")).isEqualTo(Syscalls.S_IFCHR);
    assertThat(attr("etc/passwd", "rdev")).isEqualTo(0L);
    assertThat(mode("home")).isEqualTo(Syscalls.S_IFCHR);
    assertThat(Syscalls.getXattr(layer.resolve("var/lib"), LayerUnpacker.OPAQUE_XATTR))
        .hasValue(bytes("y"));
    assertThat(Syscalls.getXattr(layer.resolve("var"), LayerUnpacker.OPAQUE_XATTR)).isEmpty();
    assertThat(layer.resolve("var/lib/new")).hasContent("n");
    assertThat(allNames()).noneMatch(name -> name.contains(".wh."));
  }

  @Test
  void anEntryOfTheSameLayerWinsOverItsWhiteoutInEitherOrder() throws Exception {
    unpack(
        new TarBuilder()
            .file("a/.wh.file", "")
            .file("a/file", "kept")
            .file("a/late", "kept too")
            .file("a/.wh.late", "")
            .file("a/.wh.dir", "")
            .file("a/dir/new", "n")
            .dir("a/dir2")
            .file("a/.wh.dir2", "")
            .build());

    assertThat(layer.resolve("a/file")).hasContent("kept");
    assertThat(layer.resolve("a/late")).hasContent("kept too");
    // A directory that replaces a whited-out one must hide the lower one's content: opaque.
    assertThat(Syscalls.getXattr(layer.resolve("a/dir"), LayerUnpacker.OPAQUE_XATTR))
        .hasValue(bytes("y"));
    assertThat(Syscalls.getXattr(layer.resolve("a/dir2"), LayerUnpacker.OPAQUE_XATTR))
        .hasValue(bytes("y"));
    assertThat(allNames()).noneMatch(name -> name.contains(".wh."));
  }

  @Test
  void entriesMayComeInAnyOrder() throws Exception {
    unpack(
        new TarBuilder()
            .file("a/b/c/file", "x")
            .entry(
                "a/b/",
                TarConstants.LF_DIR,
                new byte[0],
                e -> {
                  e.setMode(0750);
                  e.setIds(3, 4);
                  e.setModTime(OLD);
                })
            .file("a/b/.wh..wh..opq", "")
            .build());
    assertThat(layer.resolve("a/b/c/file")).hasContent("x");
    assertThat(mode("a/b")).isEqualTo(Syscalls.S_IFDIR | 0750);
    assertThat(attr("a/b", "uid")).isEqualTo(3);
    assertThat(mtime("a/b")).isEqualTo(OLD);
    assertThat(Syscalls.getXattr(layer.resolve("a/b"), LayerUnpacker.OPAQUE_XATTR)).isPresent();
  }

  @Test
  void aPathWrittenTwiceKeepsTheLastOne() throws Exception {
    unpack(
        new TarBuilder()
            .file("f", "first")
            .file("f", "second")
            .dir("d", 0700)
            .file("d/child", "c")
            .dir("d", 0755)
            .dir("gone")
            .file("gone/x", "x")
            .symlink("gone", "/elsewhere")
            .file("was-file", "x")
            .dir("was-file")
            .entry(
                "node",
                TarConstants.LF_BLK,
                new byte[0],
                e -> {
                  e.setDevMajor(7);
                  e.setDevMinor(0);
                })
            .file("node", "plain file now")
            .build());
    assertThat(layer.resolve("f")).hasContent("second");
    assertThat(layer.resolve("d/child")).hasContent("c");
    assertThat(mode("d")).isEqualTo(Syscalls.S_IFDIR | 0755);
    assertThat(Files.readSymbolicLink(layer.resolve("gone"))).isEqualTo(Path.of("/elsewhere"));
    assertThat(mode("was-file")).isEqualTo(Syscalls.S_IFDIR | 0755);
    assertThat(layer.resolve("node")).isRegularFile().hasContent("plain file now");
  }

  @Test
  void dropsALayersOwnOverlayXattrs() throws Exception {
    unpack(
        new TarBuilder()
            .pax(TarBuilder.records("SCHILY.xattr.trusted.overlay.redirect", "/etc"))
            .dir("d")
            .build());
    assertThat(Syscalls.listXattrs(layer.resolve("d"))).isEmpty();
  }

  @Test
  void keepsNamesThatAreNotUtf8ByteForByte() throws Exception {
    byte[] raw = {'n', (byte) 0xff, (byte) 0xfe, '1'};
    unpack(new TarBuilder().pax(Map.of("path", raw)).file("placeholder", "latin").build());
    try (DirFd dir = DirFd.open(layer)) {
      assertThat(dir.list()).containsExactly(new String(raw, StandardCharsets.ISO_8859_1));
    }
  }

  private UnpackResult unpack(byte[] tar) throws IOException {
    return new LayerUnpacker().unpack(new java.io.ByteArrayInputStream(tar), layer, LAYER);
  }

  private List<String> allNames() throws IOException {
    try (Stream<Path> paths = Files.walk(layer)) {
      return paths.map(p -> layer.relativize(p).toString()).toList();
    }
  }

  private Object attr(String path, String name) throws IOException {
    return Files.getAttribute(layer.resolve(path), "unix:" + name, NOFOLLOW);
  }

  private int mode(String path) throws IOException {
    return (Integer) attr(path, "mode");
  }

  private FileTime mtime(String path) throws IOException {
    return Files.getLastModifiedTime(layer.resolve(path), NOFOLLOW);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
