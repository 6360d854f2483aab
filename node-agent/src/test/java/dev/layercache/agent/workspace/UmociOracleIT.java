package dev.layercache.agent.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.agent.kernel.MountInfo;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.oci.Compression;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The oracle: for the same image, the merged view of a mounted workspace equals the rootfs that
 * Debian's {@code umoci unpack} produces (fetched with skopeo into an OCI layout): file set, types,
 * modes with special bits, owners, sizes, content hashes, symlink targets, user xattrs.
 */
class UmociOracleIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  @TempDir Path root;
  @TempDir Path work;

  @BeforeEach
  void needTools() {
    RootRequired.assumeOverlayfs();
    RootRequired.require(
        Files.isExecutable(Path.of("/usr/bin/umoci"))
            && Files.isExecutable(Path.of("/usr/bin/skopeo")),
        "the oracle test needs umoci and skopeo (apt-get install umoci skopeo)");
  }

  @AfterEach
  void unmount() throws Exception {
    for (var mount : MountInfo.read()) {
      if (mount.target().startsWith(root)) {
        Syscalls.umount(mount.target(), Syscalls.MNT_DETACH);
      }
    }
  }

  @Test
  void mergedViewEqualsUmociUnpack() throws Exception {
    ImageBuilder.oci(TestImages.AMD64)
        .layer(LayerTars.base(), Compression.GZIP)
        .layer(LayerTars.change(), Compression.GZIP)
        .build()
        .push(registry.client(), registry.reference("oracle/image:1"));
    String ref = registry.reference("oracle/image:1").toString();

    Path merged = Path.of(CommitRoundTripIT.run(root, "mount", "oracle", ref).strip());

    Path layout = work.resolve("layout");
    Path bundle = work.resolve("bundle");
    exec(
        "skopeo",
        "copy",
        "--src-tls-verify=false",
        "--override-arch",
        "amd64",
        "--override-os",
        "linux",
        "docker://" + ref,
        "oci:" + layout + ":1");
    exec("umoci", "unpack", "--image", layout + ":1", bundle.toString());

    Map<String, String> expected = TreeSnapshot.of(bundle.resolve("rootfs"));
    Map<String, String> actual = TreeSnapshot.of(merged);
    assertThat(actual).isEqualTo(expected);
    // The image really exercised whiteouts, an opaque directory and special bits.
    assertThat(actual).doesNotContainKeys("etc/old.conf", "var/cache/a", "opt/gone");
    assertThat(actual.get("bin/su")).startsWith("file 4755 0:0");
    assertThat(actual.get("tmp")).startsWith("dir 1777");
    assertThat(actual.get("etc/tagged")).contains("user.origin=base");
  }

  static void exec(String... command) throws Exception {
    Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + ":\n" + output).isZero();
  }
}
