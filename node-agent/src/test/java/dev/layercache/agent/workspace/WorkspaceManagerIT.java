package dev.layercache.agent.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.MountInfo;
import dev.layercache.agent.kernel.OverlayMounter;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workspaces on real overlay mounts: lifecycle, busy unmounts, and restarts that leak nothing. */
class WorkspaceManagerIT {
  @TempDir Path root;
  LayerStore store;
  WorkspaceManager manager;
  ImageRecord image;

  @BeforeEach
  void setUp() throws Exception {
    RootRequired.assumeOverlayfs();
    store = LayerStore.open(root);
    manager = start(store);
    String base = TestLayers.layer(store, Map.of("etc/os-release", "ID=test\n", "bin/sh", "sh"));
    String app = TestLayers.layer(store, Map.of("app/main", "main", "etc/app.conf", "a=1"));
    image = TestLayers.image(store, "example.test/app:1", List.of(base, app));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (store == null) {
      return;
    }
    for (var mount : MountInfo.read()) {
      if (mount.target().startsWith(root)) {
        Syscalls.umount(mount.target(), Syscalls.MNT_DETACH);
      }
    }
    store.close();
  }

  static WorkspaceManager start(LayerStore store) {
    KernelFeatures kernel = KernelFeatures.get();
    return new WorkspaceManager(
        store, new OverlayMounter(kernel, store.layout().links()), kernel, Clock.systemUTC());
  }

  List<Path> mountsUnderRoot() throws Exception {
    return MountInfo.read().stream().map(m -> m.target()).filter(t -> t.startsWith(root)).toList();
  }

  @Test
  void createMountsTheImageWritesGoToTheUpperAndRemoveLeavesNothing() throws Exception {
    WorkspaceInfo ws = manager.ensure(WorkspaceRequest.ephemeral("ws1", image, "cli")).info();
    Path merged = ws.layout().merged();
    assertThat(merged.resolve("etc/os-release")).hasContent("ID=test\n");
    assertThat(merged.resolve("app/main")).hasContent("main");
    assertThat(ws.record().volatileUpper()).isTrue();

    Files.writeString(merged.resolve("app/new"), "x".repeat(1000));
    Files.delete(merged.resolve("bin/sh"));
    assertThat(ws.layout().upper().resolve("app/new")).hasContent("x".repeat(1000));
    WorkspaceInfo listed = manager.list().get(0);
    assertThat(listed.mounted()).isTrue();
    assertThat(listed.state()).startsWith("Mounted");
    assertThat(listed.upperBytes()).isEqualTo(1000);
    assertThat(manager.layersInUse()).containsExactlyElementsOf(ws.record().lowers());

    assertThat(manager.remove("ws1", "cli", WorkspaceManager.UpperPolicy.DELETE, false))
        .isEqualTo(WorkspaceManager.Removal.DELETED);
    assertThat(mountsUnderRoot()).isEmpty();
    assertThat(root.resolve("workspaces")).isEmptyDirectory();
    assertThat(manager.remove("ws1", "cli", WorkspaceManager.UpperPolicy.DELETE, false))
        .isEqualTo(WorkspaceManager.Removal.ABSENT);
  }

  @Test
  void aBindIsTheSameOverlayWritableOrReadOnlyAndRemovalWaitsForIt() throws Exception {
    WorkspaceInfo ws = manager.ensure(WorkspaceRequest.ephemeral("shared", image, "cli")).info();
    Path rw = root.getParent().resolve(root.getFileName() + "-pod-rw");
    Path ro = root.getParent().resolve(root.getFileName() + "-pod-ro");
    try {
      manager.bind("shared", rw, false);
      manager.bind("shared", ro, true);
      Files.writeString(rw.resolve("app/from-pod"), "hello");
      assertThat(ws.layout().merged().resolve("app/from-pod")).hasContent("hello");
      assertThat(ws.layout().upper().resolve("app/from-pod")).hasContent("hello");
      assertThat(ro.resolve("app/from-pod")).hasContent("hello");
      assertThatThrownBy(() -> Files.writeString(ro.resolve("app/x"), "x"))
          .hasMessageContaining("Read-only file system");
      String line =
          Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
              .filter(l -> l.contains(" " + rw + " "))
              .findFirst()
              .orElseThrow();
      assertThat(line).contains("nosuid").contains("nodev");
      assertThat(manager.binds("shared")).containsExactly(rw, ro);

      assertThatThrownBy(
              () -> manager.remove("shared", "cli", WorkspaceManager.UpperPolicy.DELETE, true))
          .isInstanceOf(WorkspaceBusyException.class)
          .hasMessageContaining("in use by pods");
      assertThat(rw.resolve("app/from-pod")).hasContent("hello");

      assertThat(manager.unbind(rw)).contains("shared");
      assertThat(manager.unbind(ro)).contains("shared");
      assertThat(MountInfo.read().stream().map(m -> m.target()).toList()).doesNotContain(rw, ro);
      assertThat(manager.remove("shared", "cli", WorkspaceManager.UpperPolicy.DELETE, false))
          .isEqualTo(WorkspaceManager.Removal.DELETED);
      assertThat(mountsUnderRoot()).isEmpty();
    } finally {
      for (Path target : List.of(rw, ro)) {
        if (MountInfo.read().stream().anyMatch(m -> m.target().equals(target))) {
          Syscalls.umount(target, Syscalls.MNT_DETACH);
        }
        Files.deleteIfExists(target);
      }
    }
  }

  @Test
  void mountsAreNosuidNodevByDefault() throws Exception {
    WorkspaceInfo ws = manager.ensure(WorkspaceRequest.ephemeral("ws1", image, "cli")).info();
    String line =
        Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
            .filter(l -> l.contains(" " + ws.layout().merged() + " "))
            .findFirst()
            .orElseThrow();
    assertThat(line).contains("nosuid").contains("nodev").contains("volatile");
  }

  @Test
  void aBusyWorkspaceNamesItsHoldersAndForceDetachesIt() throws Exception {
    WorkspaceInfo ws = manager.ensure(WorkspaceRequest.ephemeral("busy", image, "cli")).info();
    try (InputStream open = Files.newInputStream(ws.layout().merged().resolve("app/main"))) {
      assertThatThrownBy(
              () -> manager.remove("busy", "cli", WorkspaceManager.UpperPolicy.DELETE, false))
          .isInstanceOf(WorkspaceBusyException.class)
          .hasMessageContaining("workspace busy is busy")
          .hasMessageContaining(ProcessHandle.current().pid() + " (java: open file)")
          .hasMessageContaining("--force");
      assertThat(manager.get("busy").orElseThrow().mounted()).isTrue();
      assertThat(manager.remove("busy", "cli", WorkspaceManager.UpperPolicy.DELETE, true))
          .isEqualTo(WorkspaceManager.Removal.DELETED);
      assertThat(mountsUnderRoot()).isEmpty();
      assertThat(open.readAllBytes()).asString().isEqualTo("main"); // still readable: lazy
    }
  }

  @Test
  void keepUpperRetainsItAndCreatingAgainMountsItBack() throws Exception {
    WorkspaceInfo ws = manager.ensure(WorkspaceRequest.ephemeral("keep", image, "cli")).info();
    Files.writeString(ws.layout().merged().resolve("notes"), "kept");
    assertThat(manager.remove("keep", "cli", WorkspaceManager.UpperPolicy.KEEP, false))
        .isEqualTo(WorkspaceManager.Removal.RETAINED);
    assertThat(mountsUnderRoot()).isEmpty();
    assertThat(manager.get("keep").orElseThrow().state()).isEqualTo("Retained");
    assertThat(manager.layersInUse()).isNotEmpty();

    WorkspaceInfo again = manager.ensure(WorkspaceRequest.ephemeral("keep", image, "cli")).info();
    assertThat(again.layout().merged().resolve("notes")).hasContent("kept");
    assertThat(again.record().volatileUpper()).isFalse();
    manager.remove("keep", "cli", WorkspaceManager.UpperPolicy.DELETE, false);
    assertThat(mountsUnderRoot()).isEmpty();
  }

  @Test
  void aSecondCreateOfTheSameNameIsAConflictUnlessItIsTheSameImage() throws Exception {
    manager.ensure(WorkspaceRequest.ephemeral("ws1", image, "cli")).info();
    WorkspaceInfo same = manager.ensure(WorkspaceRequest.ephemeral("ws1", image, "cli")).info();
    assertThat(same.mounted()).isTrue();
    ImageRecord other =
        TestLayers.image(
            store, "example.test/other:1", List.of(TestLayers.layer(store, Map.of("other", "o"))));
    assertThatThrownBy(() -> manager.ensure(WorkspaceRequest.ephemeral("ws1", other, "cli")).info())
        .isInstanceOf(WorkspaceException.class)
        .hasMessageContaining("already exists over different layers");
    assertThatThrownBy(
            () -> manager.ensure(WorkspaceRequest.ephemeral("../x", image, "cli")).info())
        .isInstanceOf(WorkspaceException.class)
        .hasMessageContaining("not valid");
    assertThat(mountsUnderRoot()).hasSize(1);
  }

  @Test
  void restartKeepsMountsRemountsMissingOnesDiscardsVolatileUppersAndUnmountsOrphans()
      throws Exception {
    WorkspaceInfo kept = manager.ensure(WorkspaceRequest.ephemeral("kept", image, "cli")).info();
    WorkspaceInfo lost = manager.ensure(WorkspaceRequest.ephemeral("lost", image, "cli")).info();
    WorkspaceInfo durable =
        manager
            .ensure(new WorkspaceRequest("durable", image, true, false, false, null, "cli"))
            .info();
    WorkspaceInfo orphan =
        manager.ensure(WorkspaceRequest.ephemeral("orphan", image, "cli")).info();
    Files.writeString(lost.layout().merged().resolve("scratch"), "lost");
    Files.writeString(durable.layout().merged().resolve("scratch"), "durable");
    Files.writeString(kept.layout().merged().resolve("scratch"), "kept");
    Path debris = Files.createDirectories(root.resolve("workspaces/.new-half-created/upper"));

    // The agent dies; meanwhile the mounts of "lost" and "durable" vanish as in a reboot, and
    // someone deletes the record of "orphan".
    store.close();
    Syscalls.umount(lost.layout().merged(), 0);
    Syscalls.umount(durable.layout().merged(), 0);
    Files.delete(orphan.layout().record());

    store = LayerStore.open(root);
    manager = start(store);
    RecoveryReport report = manager.recover();

    assertThat(report.kept()).containsExactly("kept");
    assertThat(report.remounted()).containsExactlyInAnyOrder("lost", "durable");
    assertThat(report.discardedVolatile()).containsExactly("lost");
    assertThat(report.orphans()).singleElement().asString().contains("orphan/merged: unmounted");
    assertThat(report.debris()).singleElement().asString().contains(".new-half-created");
    assertThat(report.failures()).isEmpty();
    assertThat(debris.getParent()).doesNotExist();

    assertThat(kept.layout().merged().resolve("scratch")).hasContent("kept");
    assertThat(lost.layout().merged().resolve("scratch")).doesNotExist();
    assertThat(lost.layout().merged().resolve("app/main")).hasContent("main");
    assertThat(durable.layout().merged().resolve("scratch")).hasContent("durable");
    assertThat(mountsUnderRoot())
        .containsExactlyInAnyOrder(
            kept.layout().merged(), lost.layout().merged(), durable.layout().merged());

    // A second start finds everything in place; removing all leaks no mount and no directory.
    assertThat(manager.recover().clean()).isTrue();
    for (String name : List.of("kept", "lost", "durable")) {
      manager.remove(name, "cli", WorkspaceManager.UpperPolicy.DELETE, false);
    }
    assertThat(mountsUnderRoot()).isEmpty();
    try (var left = Files.list(root.resolve("workspaces"))) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("orphan");
    }
  }
}
