package dev.layercache.agent.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.cli.CliRun;
import dev.layercache.agent.kernel.MountInfo;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.oci.Compression;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.ResolvedImage;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TestImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** commit, then pull the new image into a fresh store and mount it: the same merged view. */
class CommitRoundTripIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  @TempDir Path first;
  @TempDir Path second;

  static String base;

  @BeforeAll
  static void pushBase() throws Exception {
    ImageBuilder.oci(TestImages.AMD64)
        .layer(LayerTars.base(), Compression.GZIP)
        .layer(LayerTars.change(), Compression.GZIP)
        .build()
        .push(registry.client(), registry.reference("demo/base:1"));
    base = registry.reference("demo/base:1").toString();
  }

  @BeforeEach
  void needRoot() {
    RootRequired.assumeOverlayfs();
  }

  @AfterEach
  void unmount() throws Exception {
    for (var mount : MountInfo.read()) {
      if (mount.target().startsWith(first) || mount.target().startsWith(second)) {
        Syscalls.umount(mount.target(), Syscalls.MNT_DETACH);
      }
    }
  }

  static String lastErr = "";

  static String run(Path root, String... args) {
    CliRun run = CliRun.in(root, args);
    assertThat(run.exit()).as(String.join(" ", args) + ": " + run.err()).isZero();
    lastErr = run.err();
    return run.out();
  }

  @Test
  void theCommittedImageMountsToTheSameMergedView() throws Exception {
    Path merged = Path.of(run(first, "mount", "ws", base).strip());
    // Every kind of change an upper layer can hold.
    Files.writeString(merged.resolve("etc/keep.conf"), "changed");
    Files.delete(merged.resolve("etc/app.conf"));
    Files.delete(merged.resolve("var/cache/fresh"));
    Files.delete(merged.resolve("var/cache"));
    Files.createDirectory(merged.resolve("var/cache"));
    Files.writeString(merged.resolve("var/cache/new"), "new");
    Files.setPosixFilePermissions(
        merged.resolve("bin/su"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Path notes = Files.writeString(merged.resolve("home/alice/notes"), "n".repeat(70_000));
    Syscalls.lchown(notes, 1000, 1000);
    Syscalls.setXattr(notes, "user.note", "yes".getBytes(StandardCharsets.UTF_8));
    Path tool = Files.writeString(merged.resolve("bin/tool"), "#!tool");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
    Syscalls.lchown(tool, 0, 0);
    Files.setAttribute(tool, "unix:mode", 04755);
    Files.createLink(merged.resolve("bin/tool2"), tool);
    Files.createSymbolicLink(merged.resolve("srv/link"), Path.of("../etc/keep.conf"));
    Files.createDirectory(
        merged.resolve("private"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Map<String, String> before = TreeSnapshot.of(merged);

    ImageReference target = registry.reference("team/committed:1");
    String commit = run(first, "-o", "json", "commit", "ws", target.toString());
    JsonNode result = new ObjectMapper().readTree(commit);
    assertThat(lastErr)
        .as("progress on stderr")
        .contains("packing the upper layer of ws", "base layer 1/2", "pushed " + target);
    assertThat(result.get("digest").asText()).startsWith("sha256:");

    ResolvedImage committed = registry.client().resolve(target, TestImages.AMD64);
    assertThat(committed.layers()).hasSize(3);
    assertThat(committed.config().diffIds().get(2).toString())
        .isEqualTo(result.get("diffID").asText());
    assertThat(committed.config().history())
        .last()
        .satisfies(h -> assertThat(h.createdBy()).isEqualTo("layercache commit ws"));

    Path again = Path.of(run(second, "mount", "copy", target.toString()).strip());
    assertThat(TreeSnapshot.of(again)).isEqualTo(before);
    assertThat(again.resolve("etc/app.conf")).doesNotExist();
    assertThat(again.resolve("var/cache/a")).doesNotExist();
    assertThat(again.resolve("var/cache/new")).hasContent("new");
  }
}
