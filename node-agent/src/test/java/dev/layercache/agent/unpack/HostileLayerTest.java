package dev.layercache.agent.unpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.RootRequired;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A hostile corpus, generated here: every case fails with an error naming the layer and the entry,
 * and nothing outside the target directory is created or changed.
 */
class HostileLayerTest {
  private static final String LAYER = "image example.com/evil:1 layer sha256:0123";

  @TempDir Path tmp;
  private Path target;
  private Path outside;

  @BeforeEach
  void setUp() throws IOException {
    RootRequired.assumeRoot();
    outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("sentinel"), "original");
    Files.createDirectories(outside.resolve("dir"));
    target = Files.createDirectories(tmp.resolve("work/layer"));
  }

  /** A case: the tar, built knowing the absolute outside directory, and the entry to blame. */
  record Attack(String name, Function<Path, byte[]> tar, String entry) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> attacks() {
    return Stream.of(
            new Attack("dot-dot", o -> new TarBuilder().file("../x", "evil").build(), "../x"),
            new Attack(
                "dot-dot deep",
                o -> new TarBuilder().file("a/../../outside/sentinel", "evil").build(),
                "a/../../outside/sentinel"),
            new Attack(
                "dot-dot directory",
                o -> new TarBuilder().dir("../../newdir").build(),
                "../../newdir"),
            new Attack(
                "PAX path override",
                o ->
                    new TarBuilder()
                        .pax(TarBuilder.records("path", "../../outside/sentinel"))
                        .file("innocent", "evil")
                        .build(),
                "../../outside/sentinel"),
            new Attack(
                "PAX path with NUL",
                o ->
                    new TarBuilder()
                        .pax(TarBuilder.records("path", "ok\0../../x"))
                        .file("innocent", "evil")
                        .build(),
                "ok"),
            new Attack(
                "symlink to absolute outside, then through it",
                o -> new TarBuilder().symlink("a", o.toString()).file("a/x", "evil").build(),
                "a/x"),
            new Attack(
                "symlink to ../.., then through it",
                o -> new TarBuilder().symlink("a", "../..").file("a/outside/x", "evil").build(),
                "a/outside/x"),
            new Attack(
                "symlink, then a directory through it",
                o -> new TarBuilder().symlink("a", o.toString()).dir("a/newdir").build(),
                "a/newdir"),
            new Attack(
                "symlink, then a hardlink placed through it",
                o ->
                    new TarBuilder()
                        .file("f", "x")
                        .symlink("a", o.toString())
                        .hardlink("a/h", "f")
                        .build(),
                "a/h"),
            new Attack(
                "hardlink to ../outside",
                o -> new TarBuilder().hardlink("h", "../outside/sentinel").build(),
                "h"),
            new Attack(
                "hardlink to /etc/passwd",
                o -> new TarBuilder().hardlink("h", "/etc/passwd").build(),
                "h"),
            new Attack(
                "hardlink to an absolute outside file",
                o -> new TarBuilder().hardlink("h", o.resolve("sentinel").toString()).build(),
                "h"),
            new Attack(
                "hardlink through a symlinked directory",
                o ->
                    new TarBuilder().symlink("d", o.toString()).hardlink("h", "d/sentinel").build(),
                "h"),
            new Attack(
                "hardlink to a symlink, then through it",
                o ->
                    new TarBuilder()
                        .symlink("s", o.toString())
                        .hardlink("h", "s")
                        .file("h/x", "evil")
                        .build(),
                "h/x"),
            new Attack(
                "directory replaced by a symlink, then written through",
                o ->
                    new TarBuilder()
                        .dir("d")
                        .file("d/ok", "fine")
                        .symlink("d", o.toString())
                        .file("d/sentinel", "evil")
                        .build(),
                "d/sentinel"),
            new Attack(
                "whiteout escaping with ..",
                o -> new TarBuilder().file("../.wh.sentinel", "").build(),
                "../.wh.sentinel"),
            new Attack(
                "whiteout of ..", o -> new TarBuilder().file("a/.wh...", "").build(), "a/.wh..."),
            new Attack(
                "whiteout through a symlink",
                o -> new TarBuilder().symlink("a", o.toString()).file("a/.wh.sentinel", "").build(),
                "a/.wh.sentinel"),
            new Attack(
                "opaque marker through a symlink",
                o -> new TarBuilder().symlink("a", o.toString()).file("a/.wh..wh..opq", "").build(),
                "a/.wh..wh..opq"),
            new Attack(
                "whiteout name used as a directory",
                o -> new TarBuilder().file(".wh.x/y", "evil").build(),
                ".wh.x/y"),
            new Attack(
                "file replacing the layer root",
                o -> new TarBuilder().file(".", "evil").build(),
                "."),
            new Attack(
                "unsupported entry type",
                o -> new TarBuilder().entry("s", (byte) 'S', new byte[0], e -> {}).build(),
                "s"),
            new Attack(
                "file used as a directory",
                o -> new TarBuilder().file("f", "x").file("f/g", "y").build(),
                "f/g"),
            new Attack("truncated stream", HostileLayerTest::truncated, "big"),
            new Attack("bad header checksum", HostileLayerTest::badChecksum, null),
            new Attack("huge declared size, short data", HostileLayerTest::hugeSize, "huge"))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void failsWithoutTouchingAnythingOutside(Attack attack) throws Exception {
    byte[] tar = attack.tar().apply(outside);
    Map<String, String> before = snapshot(tmp);

    assertThatThrownBy(() -> unpack(tar))
        .isInstanceOf(UnpackException.class)
        .hasMessageStartingWith(LAYER + ": ")
        .satisfies(
            e -> {
              if (attack.entry() != null) {
                assertThat(((UnpackException) e).entry()).startsWith("\"" + attack.entry());
              }
            });

    assertThat(snapshot(tmp)).isEqualTo(before);
    assertThat(outside.resolve("sentinel")).hasContent("original");
  }

  @Test
  void absoluteNamesLandInsideTheLayer() throws Exception {
    String sentinel = outside.resolve("sentinel").toString();
    Map<String, String> before = snapshot(tmp);
    unpack(new TarBuilder().file(sentinel, "inside").file("/etc/x", "y").build());
    assertThat(snapshot(tmp)).isEqualTo(before);
    assertThat(target.resolve(sentinel.substring(1))).hasContent("inside");
    assertThat(target.resolve("etc/x")).hasContent("y");
  }

  /** The kernel takes no such path; one deep enough overflowed the stack before it was asked. */
  @Test
  void aNamePastPathMaxIsRefusedAndShownByItsStart() {
    String deep = "a/".repeat(300_000) + "f";
    byte[] tar =
        new TarBuilder().pax(TarBuilder.records("path", deep)).file("innocent", "x").build();

    assertThatThrownBy(() -> unpack(tar))
        .isInstanceOf(UnpackException.class)
        .hasMessageStartingWith(
            LAYER + ": entry \"" + deep.substring(0, 200) + "...\" (600001 bytes)")
        .hasMessageEndingWith("name of 600001 bytes is past PATH_MAX (4096)");
    assertThat(target).isEmptyDirectory();
  }

  @Test
  void refusesATargetThatIsNotEmpty() throws Exception {
    Files.writeString(target.resolve("old"), "x");
    assertThatThrownBy(() -> unpack(new TarBuilder().file("a", "b").build()))
        .isInstanceOf(UnpackException.class)
        .hasMessageContaining("is not empty");
  }

  @Test
  void refusesATargetThatIsASymlink() throws Exception {
    Path link = Files.createSymbolicLink(tmp.resolve("link"), outside);
    assertThatThrownBy(
            () -> new LayerUnpacker().unpack(new TarBuilder().file("a", "b").stream(), link, LAYER))
        .isInstanceOf(UnpackException.class)
        .hasMessageContaining("ENOTDIR");
  }

  @Test
  void theStagingTreeOfAFailedUnpackCanBeDeleted() throws Exception {
    byte[] tar =
        new TarBuilder()
            .dir("ro", 0500)
            .file("ro/f", "x", 0400)
            .symlink("ro/out", outside.toString())
            .file("../x", "evil")
            .build();
    assertThatThrownBy(() -> unpack(tar)).isInstanceOf(UnpackException.class);
    DirFd.deleteTree(target);
    assertThat(target).doesNotExist();
    assertThat(outside.resolve("sentinel")).hasContent("original");
  }

  private void unpack(byte[] tar) throws IOException {
    new LayerUnpacker().unpack(new ByteArrayInputStream(tar), target, LAYER);
  }

  private static byte[] truncated(Path outside) {
    byte[] tar = new TarBuilder().file("big", "x".repeat(10_000)).build();
    return Arrays.copyOf(tar, 3000);
  }

  private static byte[] badChecksum(Path outside) {
    byte[] tar = new TarBuilder().file("a", "x").file("b", "y").build();
    tar[1024 + 1] ^= 0x01; // the second header's name, checksum left as it was
    return tar;
  }

  private static byte[] hugeSize(Path outside) {
    byte[] tar =
        new TarBuilder()
            .entry(
                "huge", TarConstants.LF_NORMAL, "short".getBytes(StandardCharsets.UTF_8), e -> {})
            .build();
    // Rewrite the size field to 1 GiB and fix the checksum: a valid header, short data.
    byte[] size = String.format("%011o\0", 1L << 30).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(size, 0, tar, 124, 12);
    Arrays.fill(tar, 148, 156, (byte) ' ');
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += tar[i] & 0xff;
    }
    byte[] checksum = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(checksum, 0, tar, 148, 8);
    return Arrays.copyOf(tar, 1024);
  }

  /** Every path under root except the target: type, size, mtime, content hash, link target. */
  private Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> state = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        if (p.startsWith(target)) {
          continue;
        }
        String description =
            Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)
                + " "
                + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
        if (Files.isSymbolicLink(p)) {
          description += " -> " + Files.readSymbolicLink(p);
        } else if (Files.isRegularFile(p)) {
          description +=
              " "
                  + HexFormat.of()
                      .formatHex(
                          MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        }
        state.put(root.relativize(p).toString(), description);
      }
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return state;
  }
}
