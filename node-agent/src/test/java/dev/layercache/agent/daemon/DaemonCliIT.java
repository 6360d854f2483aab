package dev.layercache.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.agent.cli.CliRun;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.oci.Compression;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The CLI on a root a running daemon serves: its writing commands run in the daemon. */
class DaemonCliIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  @TempDir Path dir;
  Path root;

  CliRun cli(String... args) {
    return CliRun.in(root, args);
  }

  @Test
  void whileADaemonServesTheRootTheCliWritesThroughItWithTheSameOutputAndExitCodes()
      throws Exception {
    RootRequired.assumeOverlayfs();
    root = dir.resolve("store");
    ImageReference ref = registry.reference("cli/app:1");
    ImageBuilder.oci(TestImages.AMD64)
        .layer(new TarBuilder().file("etc/hello", "hello\n"), Compression.GZIP)
        .build()
        .push(registry.client(), ref);
    CliRun badInProcess;

    try (DaemonProcess daemon =
        new DaemonProcess(root, dir.resolve("run/snapshotter.sock"), dir.resolve("daemon.log"))
            .start()) {
      assertThat(root.resolve("daemon.sock")).exists();
      // The daemon holds the store's writer lock: a pull in this process would be refused as busy
      // (exit 3), so exit 0 means the daemon pulled.
      CliRun pull = cli("pull", ref.toString());
      assertThat(pull.exit()).as(pull.err()).isZero();
      assertThat(pull.out()).contains(ref.toString(), "pulled");
      assertThat(cli("pull", ref.toString()).out()).contains("already cached");

      CliRun mount = cli("mount", "w1", ref.toString());
      assertThat(mount.exit()).as(mount.err()).isZero();
      Path merged = Path.of(mount.out().trim().lines().reduce((a, b) -> b).orElseThrow());
      assertThat(merged.resolve("etc/hello")).hasContent("hello");
      assertThat(cli("ls").out()).contains("w1");
      assertThat(cli("df").exit()).isZero();

      CliRun bad = cli("mount", "Not/A/Name", ref.toString());
      assertThat(bad.exit()).isEqualTo(2);
      CliRun umount = cli("umount", "w1");
      assertThat(umount.exit()).as(umount.err()).isZero();
      assertThat(merged.resolve("etc/hello")).doesNotExist();

      assertThat(daemon.stop()).isZero();
      assertThat(root.resolve("daemon.sock")).doesNotExist();
      badInProcess = cli("mount", "Not/A/Name", ref.toString());
      assertThat(bad).isEqualTo(badInProcess);
    }

    // No daemon: the CLI works in-process again.
    CliRun pull = cli("pull", ref.toString());
    assertThat(pull.exit()).as(pull.err()).isZero();
    assertThat(pull.out()).contains("already cached");
    assertThat(Files.exists(root.resolve("daemon.sock"))).isFalse();
  }
}
