package dev.layercache.agent.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.OverlayMount;
import dev.layercache.agent.kernel.RecordingMounter;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workspace engine's decisions, planned against a recording mounter: what it mounts, when it
 * remounts, what it keeps and what recovery does. No root needed; WorkspaceManagerIT mounts for
 * real.
 */
class WorkspaceEngineTest {
  static final KernelFeatures KERNEL =
      new KernelFeatures(true, true, true, true, true, true, true, false);
  static final String BASE = "sha256:" + "b".repeat(64);
  static final String APP = "sha256:" + "a".repeat(64);

  @TempDir Path root;
  LayerStore store;
  RecordingMounter mounter = new RecordingMounter();
  WorkspaceManager manager;
  ImageRecord image;

  @BeforeEach
  void store() throws Exception {
    store = LayerStore.open(root);
    for (String diffId : List.of(BASE, APP)) {
      Files.createDirectories(store.layout().layerDiff(diffId));
    }
    image =
        new ImageRecord(
            "registry.local/app:1",
            "sha256:" + "f".repeat(64),
            "linux/amd64",
            List.of(
                new ImageRecord.Layer(BASE, BASE, "t", 1), new ImageRecord.Layer(APP, APP, "t", 1)),
            Instant.EPOCH);
    manager =
        new WorkspaceManager(store, mounter, KERNEL, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
  }

  @AfterEach
  void close() throws Exception {
    store.close();
  }

  WorkspaceRequest request(String name, boolean retain, boolean setuid) {
    return new WorkspaceRequest(name, image, retain, setuid, false, null, "cli");
  }

  @Test
  void aWorkspaceIsPlannedTopLayerFirstVolatileAndHardened() throws Exception {
    WorkspaceManager.Ensured created = manager.ensure(request("ws", false, false));
    assertThat(created.outcome()).isEqualTo(WorkspaceManager.Outcome.CREATED);
    OverlayMount mount = mounter.mounted.get(0);
    WorkspaceLayout dirs = manager.dirs("ws");
    assertThat(mount.target()).isEqualTo(dirs.merged());
    assertThat(mount.lowers())
        .containsExactly(store.layout().layerDiff(APP), store.layout().layerDiff(BASE));
    assertThat(mount.upper()).isEqualTo(dirs.upper());
    assertThat(mount.options()).contains("volatile", "index=off", "redirect_dir=off");
    assertThat(mount.nosuid()).isTrue();
    assertThat(mount.nodev()).isTrue();

    assertThat(manager.ensure(request("ws", false, false)).outcome())
        .isEqualTo(WorkspaceManager.Outcome.UNCHANGED);
    assertThat(mounter.mounted).hasSize(1);
  }

  @Test
  void retainingAVolatileWorkspaceRemountsItDurableAndSetuidChangesFlagsInPlace() throws Exception {
    manager.ensure(request("ws", false, false));
    Path merged = manager.dirs("ws").merged();
    mounter.calls.clear();

    WorkspaceManager.Ensured edited = manager.ensure(request("ws", true, true));
    assertThat(edited.outcome()).isEqualTo(WorkspaceManager.Outcome.CONFIGURED);
    assertThat(edited.changes())
        .containsExactly("retain: false -> true", "allowSetuid: false -> true");
    assertThat(mounter.calls)
        .containsExactly("flags " + merged + " nodev", "unmount " + merged, "mount " + merged);
    assertThat(mounter.mounted.get(1).options()).doesNotContain("volatile");
    WorkspaceRecord record = manager.get("ws").orElseThrow().record();
    assertThat(record.retain()).isTrue();
    assertThat(record.volatileUpper()).isFalse();
    assertThat(record.allowSetuid()).isTrue();
  }

  @Test
  void aBusyVolatileMountIsRetainedAtOnceAndTheCallerIsWarned() throws Exception {
    manager.ensure(request("ws", false, false));
    mounter.busy.add(manager.dirs("ws").merged());
    WorkspaceManager.Ensured edited = manager.ensure(request("ws", true, false));
    assertThat(edited.warnings()).singleElement().asString().contains("stays mounted volatile");
    WorkspaceRecord record = manager.get("ws").orElseThrow().record();
    assertThat(record.retain()).isTrue();
    assertThat(record.volatileUpper()).isTrue();
    assertThat(manager.remove("ws", "cli", WorkspaceManager.UpperPolicy.RECORDED, true))
        .isEqualTo(WorkspaceManager.Removal.RETAINED);
  }

  @Test
  void theRecordedPolicyDecidesAndOnlyAnExplicitDeleteDropsAKeptUpper() throws Exception {
    manager.ensure(request("ws", true, false));
    Path upperFile = Files.writeString(manager.dirs("ws").upper().resolve("work"), "precious");
    assertThat(manager.remove("ws", "cli", WorkspaceManager.UpperPolicy.RECORDED, false))
        .isEqualTo(WorkspaceManager.Removal.RETAINED);
    assertThat(manager.remove("ws", "cli", WorkspaceManager.UpperPolicy.RECORDED, false))
        .isEqualTo(WorkspaceManager.Removal.RETAINED);
    assertThat(upperFile).hasContent("precious");

    assertThatThrownBy(
            () ->
                manager.remove(
                    "ws", "OverlayWorkspace/dev/ws", WorkspaceManager.UpperPolicy.DELETE, false))
        .isInstanceOf(WorkspaceException.class)
        .hasMessageContaining("belongs to cli");
    assertThat(upperFile).hasContent("precious");

    assertThat(manager.remove("ws", "cli", WorkspaceManager.UpperPolicy.DELETE, false))
        .isEqualTo(WorkspaceManager.Removal.DELETED);
    assertThat(manager.dirs("ws").dir()).doesNotExist();
  }

  @Test
  void conflictsAreFoundBeforeAnythingIsPulled() throws Exception {
    manager.ensure(request("ws", false, false));
    assertThatThrownBy(() -> manager.check("ws", "cli", "registry.local/other:1"))
        .isInstanceOf(WorkspaceException.class)
        .hasMessageContaining("already exists over another image");
    assertThatThrownBy(() -> manager.check("ws", "OverlayWorkspace/a/b", image.reference()))
        .hasMessageContaining("belongs to cli");
    manager.check("ws", "cli", image.reference());
    manager.check("new", "anyone", "registry.local/other:1");
  }

  @Test
  void recoveryRemountsWhatVanishedUnmountsOrphansAndClearsDebris() throws Exception {
    manager.ensure(request("lost", true, false));
    manager.ensure(request("kept", false, false));
    manager.ensure(request("crashed", false, false));
    WorkspaceLayout crashed = manager.dirs("crashed");
    Files.writeString(crashed.upper().resolve("unsynced"), "x");
    Files.createDirectories(crashed.volatileMarker().getParent());
    Files.createFile(crashed.volatileMarker());
    mounter.lose(manager.dirs("lost").merged());
    mounter.lose(crashed.merged());
    Path orphan = root.resolve("workspaces/gone/merged");
    mounter.add(orphan);
    Path debris = Files.createDirectories(root.resolve("workspaces/.trash-1"));

    RecoveryReport report = manager.recover();
    assertThat(report.kept()).containsExactly("kept");
    assertThat(report.remounted()).containsExactlyInAnyOrder("lost", "crashed");
    assertThat(report.discardedVolatile()).containsExactly("crashed");
    assertThat(crashed.upper().resolve("unsynced")).doesNotExist();
    assertThat(report.orphans()).singleElement().asString().startsWith(orphan.toString());
    assertThat(mounter.isMounted(orphan)).isFalse();
    assertThat(debris).doesNotExist();
    assertThat(manager.recover().clean()).isTrue();
  }

  @Test
  void aBindShowsTheOneOverlayAgainAndHoldsOffRemovalUntilItGoes() throws Exception {
    manager.ensure(request("ws", false, false));
    Path merged = manager.dirs("ws").merged();
    Path pod = root.resolve("../pod-volume").normalize();
    manager.bind("ws", pod, true);
    manager.bind("ws", pod, true);
    assertThat(mounter.calls)
        .containsExactly("mount " + merged, "bind " + merged + " " + pod + " ro");
    assertThat(manager.binds("ws")).containsExactly(pod);
    assertThat(manager.list().get(0).binds()).containsExactly(pod);

    assertThatThrownBy(() -> manager.remove("ws", "cli", WorkspaceManager.UpperPolicy.DELETE, true))
        .isInstanceOf(WorkspaceBusyException.class)
        .hasMessageContaining("in use by pods: bind-mounted at " + pod);
    assertThat(mounter.isMounted(merged)).isTrue();
    assertThatThrownBy(() -> manager.unbind(merged)).hasMessageContaining("own mount");

    assertThat(manager.unbind(pod)).contains("ws");
    assertThat(manager.unbind(pod)).isEmpty();
    assertThat(manager.remove("ws", "cli", WorkspaceManager.UpperPolicy.DELETE, false))
        .isEqualTo(WorkspaceManager.Removal.DELETED);
  }

  @Test
  void onlyAMountedWorkspaceIsBoundAndATargetShowsOneThing() throws Exception {
    manager.ensure(request("kept", true, false));
    manager.remove("kept", "cli", WorkspaceManager.UpperPolicy.RECORDED, false);
    Path pod = root.resolve("../pod-volume").normalize();
    assertThatThrownBy(() -> manager.bind("kept", pod, false))
        .isInstanceOf(WorkspaceException.class)
        .hasMessageContaining("not mounted (Retained)");
    assertThatThrownBy(() -> manager.bind("absent", pod, false))
        .hasMessageContaining("does not exist");

    manager.ensure(request("one", false, false));
    manager.ensure(request("two", false, false));
    manager.bind("one", pod, false);
    assertThatThrownBy(() -> manager.bind("two", pod, false))
        .isInstanceOf(WorkspaceException.class)
        .hasMessageContaining("already shows another overlay");
  }
}
