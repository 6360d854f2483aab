package dev.layercache.agent.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.OverlayMount;
import dev.layercache.agent.store.StoreLayout;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountPlannerTest {
  static final String A = "sha256:" + "a".repeat(64);
  static final String B = "sha256:" + "b".repeat(64);
  static final KernelFeatures ALL =
      new KernelFeatures(true, true, true, true, true, true, true, true);
  static final KernelFeatures OLD =
      new KernelFeatures(true, false, false, false, false, false, false, false);
  final StoreLayout store = new StoreLayout(Path.of("/var/lib/layercache"));
  final WorkspaceLayout dirs = new WorkspaceLayout(store.workspace("ws"));

  static WorkspaceRecord record(boolean retain, boolean setuid, boolean devices) {
    return new WorkspaceRecord(
        "ws",
        "example/img:1",
        B,
        List.of(A, B),
        retain,
        setuid,
        devices,
        !retain,
        null,
        "cli",
        WorkspaceRecord.State.ACTIVE,
        Instant.EPOCH);
  }

  @Test
  void lowersTopFirstUpperAndWorkInTheWorkspaceAndSafeDefaults() {
    OverlayMount mount = MountPlanner.plan(record(false, false, false), store, dirs, ALL);
    assertThat(mount.lowers()).containsExactly(store.layerDiff(B), store.layerDiff(A));
    assertThat(mount.target()).isEqualTo(Path.of("/var/lib/layercache/workspaces/ws/merged"));
    assertThat(mount.upper()).isEqualTo(Path.of("/var/lib/layercache/workspaces/ws/upper"));
    assertThat(mount.work()).isEqualTo(Path.of("/var/lib/layercache/workspaces/ws/work"));
    assertThat(mount.options())
        .containsExactly("index=off", "redirect_dir=off", "metacopy=off", "volatile");
    assertThat(mount.nosuid()).isTrue();
    assertThat(mount.nodev()).isTrue();
    assertThat(mount.describe())
        .contains("target=/var/lib/layercache/workspaces/ws/merged")
        .contains("flags=nosuid,nodev")
        .contains("lowerdir=/var/lib/layercache/layers/" + "b".repeat(64) + "/diff:");
  }

  @Test
  void retainedIsNeverVolatileAndSpecMayAllowSetuidAndDevices() {
    OverlayMount mount = MountPlanner.plan(record(true, true, true), store, dirs, ALL);
    assertThat(mount.options()).doesNotContain("volatile");
    assertThat(mount.nosuid()).isFalse();
    assertThat(mount.nodev()).isFalse();
  }

  @Test
  void optionsTheKernelLacksAreNotAsked() {
    assertThat(MountPlanner.plan(record(false, false, false), store, dirs, OLD).options())
        .isEmpty();
  }
}
