package dev.layercache.agent.unpack;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.oci.testing.FuzzBudget;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Any tar into a scratch directory, as root: it unpacks or fails with an {@link UnpackException}
 * for this layer (never another exception), nothing beside the target is created or changed
 * (symlinks are never followed out), and the target can always be deleted, so no staging stays.
 */
class LayerUnpackerFuzzTest {
  /** Fixed, so seeds (see UnpackFuzzSeedsTest) can aim absolute symlinks and hardlinks at it. */
  static final Path SCRATCH = Path.of("/tmp/layercache-unpack-fuzz");

  static final Path OUTSIDE = SCRATCH.resolve("outside");
  private static final String LAYER = "layer sha256:fuzz";
  private static final Path TARGET = SCRATCH.resolve("layer");
  private static final Path PASSWD = Path.of("/etc/passwd");
  private static Map<String, String> outsideBefore;
  private static Object passwdLinks;

  @FuzzTest(maxDuration = FuzzBudget.CI)
  void unpack(byte[] tar) throws Exception {
    RootRequired.assumeRoot();
    if (outsideBefore == null) {
      DirFd.deleteTree(SCRATCH);
      Files.createDirectories(OUTSIDE.resolve("dir"));
      Files.writeString(OUTSIDE.resolve("sentinel"), "original");
      outsideBefore = tree(OUTSIDE);
      passwdLinks = Files.getAttribute(PASSWD, "unix:nlink");
    }
    Files.createDirectory(TARGET);
    try {
      new LayerUnpacker().unpack(new ByteArrayInputStream(tar), TARGET, LAYER);
    } catch (UnpackException e) {
      assertThat(e.layer()).isEqualTo(LAYER);
      assertThat(e.getMessage()).startsWith(LAYER + ": ");
    }
    assertThat(tree(OUTSIDE)).isEqualTo(outsideBefore);
    assertThat(Files.getAttribute(PASSWD, "unix:nlink")).isEqualTo(passwdLinks);
    try (Stream<Path> beside = Files.list(SCRATCH)) {
      assertThat(beside.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("outside", "layer");
    }
    DirFd.deleteTree(TARGET);
    assertThat(Files.exists(TARGET, LinkOption.NOFOLLOW_LINKS)).isFalse();
  }

  /** Path -> type, mode and content digest, without following symlinks. */
  private static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.toList()) {
        String what =
            Files.isSymbolicLink(p)
                ? "link " + Files.readSymbolicLink(p)
                : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                    ? "dir"
                    : "file " + HexFormat.of().formatHex(sha256(Files.readAllBytes(p)));
        out.put(
            root.relativize(p).toString(),
            what + " " + Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS));
      }
    }
    return out;
  }

  private static byte[] sha256(byte[] bytes) throws IOException {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IOException(e);
    }
  }
}
