package dev.layercache.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real overlay mounts: 120-layer stacks both ways, the page limit, and errors that say it all. */
class OverlayMounterIT {
  static final int LAYERS = 120;

  @TempDir Path tmp;
  KernelFeatures features;

  @BeforeEach
  void setUp() {
    RootRequired.assumeOverlayfs();
    features = KernelFeatures.get();
  }

  /** 120 lowers with long paths (~110 bytes each: ~13 KB of lowerdir, three pages). */
  List<Path> deepStack(Path base) throws Exception {
    List<Path> lowers = new ArrayList<>();
    for (int i = 0; i < LAYERS; i++) {
      Path lower =
          Files.createDirectories(base.resolve(String.format("layer-%03d-", i) + "x".repeat(80)));
      Files.writeString(lower.resolve("f" + i), "layer " + i);
      Files.writeString(lower.resolve("top"), "layer " + i);
      lowers.add(0, lower); // top first: the last layer created wins
    }
    return lowers;
  }

  OverlayMount mountOf(List<Path> lowers, Path dir) throws Exception {
    return new OverlayMount(
        Files.createDirectories(dir.resolve("merged")),
        lowers,
        Files.createDirectories(dir.resolve("upper")),
        Files.createDirectories(dir.resolve("work")),
        List.of(),
        true,
        true);
  }

  void assertEveryLayerVisible(Path merged) throws Exception {
    for (int i = 0; i < LAYERS; i++) {
      assertThat(merged.resolve("f" + i)).hasContent("layer " + i);
    }
    assertThat(merged.resolve("top")).hasContent("layer " + (LAYERS - 1));
  }

  @Test
  void mountsA120LayerStackWithLowerdirPlus() throws Exception {
    assertThat(features.lowerdirPlus()).as("Linux 6.8+ has lowerdir+").isTrue();
    OverlayMounter mounter = new OverlayMounter(features, tmp.resolve("l"));
    OverlayMount mount = mountOf(deepStack(tmp.resolve("layers")), tmp.resolve("ws"));
    assertThat(mount.data(mount.lowers().stream().map(Path::toString).toList()).length())
        .isGreaterThan(3 * 4096);
    mounter.mount(mount);
    try {
      assertEveryLayerVisible(mount.target());
      assertThat(mounter.overlayMounts())
          .anyMatch(m -> m.target().equals(mount.target()) && m.source().equals("layercache"));
    } finally {
      mounter.unmount(mount.target(), false);
    }
    assertThat(mounter.overlayMounts()).noneMatch(m -> m.target().equals(mount.target()));
  }

  @Test
  void theMount2FallbackUsesShortLinksAndRefusesWhatWouldBeCut() throws Exception {
    KernelFeatures old = new KernelFeatures(true, false, false, false, false, false, false, false);
    OverlayMounter mounter = new OverlayMounter(old, tmp.resolve("l"));
    OverlayMount mount = mountOf(deepStack(tmp.resolve("layers")), tmp.resolve("ws"));
    mounter.mount(mount);
    try {
      assertEveryLayerVisible(mount.target());
    } finally {
      mounter.unmount(mount.target(), false);
    }

    // The JVM's working directory did not move.
    assertThat(Path.of("").toAbsolutePath().toString()).isEqualTo(System.getProperty("user.dir"));

    // 300 layers of 16 bytes each would pass one page.
    List<Path> tooMany = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      tooMany.add(Files.createDirectories(tmp.resolve("many").resolve("l" + i)));
    }
    OverlayMount tooBig = mountOf(tooMany, tmp.resolve("ws2"));
    assertThatThrownBy(() -> mounter.mount(tooBig))
        .isInstanceOf(MountException.class)
        .hasMessageContaining("over the 4095 bytes mount(2) accepts")
        .hasMessageContaining("300 layers");
    assertThat(mounter.overlayMounts()).noneMatch(m -> m.target().equals(tooBig.target()));
  }

  @Test
  void aFailedMountNamesTargetOptionsAndErrno() throws Exception {
    OverlayMounter mounter = new OverlayMounter(features, tmp.resolve("l"));
    OverlayMount mount = mountOf(List.of(tmp.resolve("no-such-layer")), tmp.resolve("ws"));
    assertThatThrownBy(() -> mounter.mount(mount))
        .isInstanceOf(MountException.class)
        .hasMessageContaining("ENOENT")
        .hasMessageContaining("target=" + mount.target())
        .hasMessageContaining("type=overlay")
        .hasMessageContaining("no-such-layer");
    assertThatThrownBy(() -> mounter.unmount(mount.target(), false))
        .isInstanceOf(MountException.class)
        .hasMessageContaining("EINVAL");
  }

  @Test
  void probesTheFeaturesOfThisKernel() {
    assertThat(features.overlay()).isTrue();
    assertThat(features.newMountApi()).isTrue();
    assertThat(features.volatileUpper()).isTrue();
    assertThat(features.index()).isTrue();
    assertThat(features.summary()).contains("lowerdir+", "volatile");
  }
}
