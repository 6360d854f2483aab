package dev.layercache.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.kernel.MountInfo;
import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.oci.Compression;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** mount, umount, ls, df, gc, apply and delete as a user runs them, on real mounts. */
class WorkspaceCliIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path root;
  @TempDir Path manifests;

  CliRun run(String... args) {
    return CliRun.in(root, args);
  }

  @BeforeAll
  static void pushImages() throws Exception {
    TarBuilder base = new TarBuilder().file("etc/os-release", "ID=demo\n" + "x".repeat(3000));
    ImageBuilder.oci(TestImages.AMD64)
        .layer(base, Compression.GZIP)
        .layer(new TarBuilder().file("app/main", "app"), Compression.GZIP)
        .build()
        .push(registry.client(), registry.reference("demo/app:1"));
    ImageBuilder.oci(TestImages.AMD64)
        .layer(new TarBuilder().file("other", "o".repeat(500)), Compression.GZIP)
        .build()
        .push(registry.client(), registry.reference("demo/other:1"));
  }

  @BeforeEach
  void needRoot() {
    RootRequired.assumeOverlayfs();
  }

  @AfterEach
  void unmountLeftovers() throws Exception {
    for (var mount : MountInfo.read()) {
      if (mount.target().startsWith(root)) {
        Syscalls.umount(mount.target(), Syscalls.MNT_DETACH);
      }
    }
  }

  String app() {
    return registry.reference("demo/app:1").toString();
  }

  @Test
  void mountLsDfUmount() throws Exception {
    CliRun mount = run("mount", "ws1", app());
    assertThat(mount.exit()).as(mount.err()).isZero();
    Path merged = Path.of(mount.out().strip());
    assertThat(merged.resolve("app/main")).hasContent("app");
    run("mount", "ws2", app());
    Files.writeString(merged.resolve("notes"), "12345");

    assertThat(run("ls").out()).contains("ws1").contains("Mounted").contains("5B");
    JsonNode df = JSON.readTree(run("-o", "json", "df").out());
    long image = 3008 + 3; // os-release + app/main
    assertThat(df.get("physicalBytes").asLong()).isEqualTo(image + 5);
    assertThat(df.get("logicalBytes").asLong()).isEqualTo(image + 2 * image + 5);
    assertThat(df.get("savedBytes").asLong()).isEqualTo(2 * image);
    assertThat(run("df", "-v").out()).contains("SHARED").contains("UNIQUE").contains("ws2");

    CliRun again = run("mount", "ws1", registry.reference("demo/other:1").toString());
    assertThat(again.exit()).isEqualTo(2);
    assertThat(again.err()).contains("ws1 already exists over another image");
    assertThat(run("images").out()).as("refused before pulling").doesNotContain("demo/other");
    assertThat(run("mount", "Bad/Name", app()).exit()).isEqualTo(2);

    assertThat(run("umount", "ws1", "--keep-upper").out()).contains("upper layer kept");
    assertThat(run("ls").out()).contains("Retained");
    assertThat(run("umount", "ws1").out()).as("kept stays kept").contains("upper layer kept");
    assertThat(run("umount", "ws1", "--delete-upper").exit()).isZero();
    assertThat(root.resolve("workspaces/ws1")).doesNotExist();
    assertThat(run("umount", "ws2").exit()).isZero();
    assertThat(run("umount", "ws2").exit()).isEqualTo(2);
    assertThat(MountInfo.read()).noneMatch(m -> m.target().startsWith(root));
  }

  @Test
  void applyTwiceConvergesDeleteHonoursReclaimPolicyAndGcKeepsWhatIsPinnedOrUsed()
      throws Exception {
    Files.writeString(
        manifests.resolve("cache.yaml"),
        "apiVersion: layercache.dev/v1alpha1\nkind: LayerCache\nmetadata: {name: demo}\n"
            + "spec:\n  images: ["
            + registry.reference("demo/other:1")
            + "]\n");
    Files.writeString(
        manifests.resolve("workspaces.yaml"),
        String.join(
            "\n",
            "apiVersion: layercache.dev/v1alpha1",
            "kind: OverlayWorkspace",
            "metadata: {name: scratch, namespace: dev}",
            "spec:",
            "  image: " + app(),
            "---",
            "apiVersion: layercache.dev/v1alpha1",
            "kind: OverlayWorkspace",
            "metadata: {name: keep, namespace: dev}",
            "spec:",
            "  image: " + app(),
            "  upper: {reclaimPolicy: Retain}",
            ""));
    CliRun first = run("apply", "-f", manifests.toString());
    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(first.out())
        .contains("layercache/demo created")
        .contains("overlayworkspace/dev/scratch created")
        .contains("overlayworkspace/dev/keep created");
    CliRun second = run("apply", "-f", manifests.toString());
    assertThat(second.out()).contains("layercache/demo unchanged").contains("dev/keep unchanged");
    assertThat(second.out()).doesNotContain("created");
    Path kept = root.resolve("workspaces/dev.keep");
    Files.writeString(kept.resolve("merged/result"), "42");

    // Everything is pinned or in use: even a zero watermark evicts nothing.
    CliRun gc = run("gc", "--high-watermark", "0", "--low-watermark", "0");
    assertThat(gc.out()).contains("freed 0B in 0 layers").contains("3 layers kept");

    CliRun delete = run("delete", "-f", manifests.toString());
    assertThat(delete.exit()).as(delete.err()).isZero();
    assertThat(delete.out())
        .contains("overlayworkspace/dev/scratch deleted")
        .contains("overlayworkspace/dev/keep deleted (upper layer retained")
        .contains("layercache/demo deleted");
    assertThat(kept.resolve("upper/result")).hasContent("42");
    assertThat(root.resolve("workspaces/dev.scratch")).doesNotExist();
    assertThat(MountInfo.read()).noneMatch(m -> m.target().startsWith(root));

    // The retained workspace still needs its layers; the unpinned image's layer may go.
    CliRun dry = run("gc", "--dry-run", "--high-watermark", "0", "--low-watermark", "0");
    assertThat(dry.out()).contains("would free 500B in 1 layers");
    assertThat(run("gc", "--high-watermark", "0", "--low-watermark", "0").out())
        .contains("freed 500B in 1 layers");
    assertThat(run("-o", "json", "layers").out()).doesNotContain("\"other\"");

    // Applying again mounts the retained upper back.
    assertThat(run("apply", "-f", manifests.resolve("workspaces.yaml").toString()).out())
        .contains("dev/keep mounted again");
    assertThat(kept.resolve("merged/result")).hasContent("42");
  }

  @Test
  void badManifestsExitTwoNamingFileObjectAndField() throws Exception {
    Path bad = manifests.resolve("bad.yaml");
    Files.writeString(
        bad,
        "apiVersion: layercache.dev/v1alpha1\nkind: OverlayWorkspace\nmetadata: {name: w}\n"
            + "spec:\n  image: "
            + app()
            + "\n  upper: {reclaimPolicy: Sometimes}\n");
    CliRun run = run("apply", "-f", bad.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err())
        .contains(bad.toString(), "OverlayWorkspace w", "spec.upper.reclaimPolicy");

    Files.writeString(
        bad,
        "apiVersion: layercache.dev/v1alpha1\nkind: LayerCache\nmetadata: {name: c}\n"
            + "spec:\n  images: [\"Not A Ref\"]\n");
    run = run("apply", "-f", bad.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("LayerCache c", "spec.images[0]");

    Files.writeString(bad, "kind: [unclosed\n");
    assertThat(run("apply", "-f", bad.toString()).exit()).isEqualTo(2);
    Files.writeString(bad, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
    run = run("apply", "-f", bad.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("apiVersion");
    assertThat(List.of(root.toFile().list())).doesNotContain("workspaces");
  }

  @Test
  void umountKeepsTheUpperOfARetainedWorkspaceUntilToldOtherwise() throws Exception {
    Path merged = Path.of(run("mount", "rr", app(), "--retain").out().strip());
    Files.writeString(merged.resolve("work.txt"), "precious");

    CliRun umount = run("umount", "rr");
    assertThat(umount.exit()).as(umount.err()).isZero();
    assertThat(umount.out()).contains("upper layer kept");
    assertThat(root.resolve("workspaces/rr/upper/work.txt")).hasContent("precious");

    // Mounting it again, without repeating --retain, keeps it retained and its upper.
    assertThat(run("mount", "rr", app()).exit()).isZero();
    assertThat(merged.resolve("work.txt")).hasContent("precious");
    assertThat(run("umount", "rr").out()).contains("upper layer kept");

    assertThat(run("umount", "rr", "--delete-upper").out()).contains("removed");
    assertThat(root.resolve("workspaces/rr")).doesNotExist();
    assertThat(run("umount", "x", "--keep-upper", "--delete-upper").exit()).isEqualTo(2);
  }

  @Test
  void mountingAgainWithOtherFlagsConvergesThem() throws Exception {
    Path merged = Path.of(run("mount", "ws1", app()).out().strip());
    Files.writeString(merged.resolve("work.txt"), "precious");
    assertThat(workspace("ws1").get("volatile").asBoolean()).isTrue();

    CliRun retain = run("mount", "ws1", app(), "--retain", "--allow-setuid");
    assertThat(retain.exit()).as(retain.err()).isZero();
    assertThat(retain.err()).contains("retain: false -> true", "allowSetuid: false -> true");
    JsonNode ws = workspace("ws1");
    assertThat(ws.get("reclaimPolicy").asText()).isEqualTo("Retain");
    assertThat(ws.get("volatile").asBoolean()).as("remounted durable").isFalse();
    assertThat(mountOptions(merged)).doesNotContain("nosuid").contains("nodev");
    assertThat(merged.resolve("work.txt")).hasContent("precious");

    assertThat(run("umount", "ws1").out()).contains("upper layer kept");
    assertThat(root.resolve("workspaces/ws1/upper/work.txt")).hasContent("precious");
  }

  @Test
  void applyConvergesEditsAndDeleteTouchesOnlyItsOwnWorkspaces() throws Exception {
    Path file = manifests.resolve("ws.yaml");
    String head =
        "apiVersion: layercache.dev/v1alpha1\nkind: OverlayWorkspace\n"
            + "metadata: {name: y, namespace: dev}\nspec:\n  image: "
            + app()
            + "\n";
    Files.writeString(file, head + "  upper: {reclaimPolicy: Delete}\n");
    assertThat(run("apply", "-f", file.toString()).out()).contains("dev/y created");
    Path merged = root.resolve("workspaces/dev.y/merged");
    Files.writeString(merged.resolve("work.txt"), "precious");

    Files.writeString(
        file,
        head + "  upper: {reclaimPolicy: Retain, sizeLimit: 1Mi}\n  mount: {allowSetuid: true}\n");
    CliRun edit = run("apply", "-f", file.toString());
    assertThat(edit.exit()).as(edit.err()).isZero();
    assertThat(edit.out())
        .contains("dev/y configured")
        .contains("retain: false -> true", "sizeLimitBytes: null -> 1048576", "allowSetuid");
    assertThat(mountOptions(merged)).doesNotContain("nosuid");
    assertThat(run("apply", "-f", file.toString()).out()).contains("dev/y unchanged");

    CliRun delete = run("delete", "-f", file.toString());
    assertThat(delete.out()).contains("dev/y deleted (upper layer retained");
    assertThat(root.resolve("workspaces/dev.y/upper/work.txt")).hasContent("precious");
    assertThat(run("umount", "dev.y").exit()).as("apply's, not the CLI's").isEqualTo(2);
    assertThat(root.resolve("workspaces/dev.y/upper/work.txt")).hasContent("precious");

    // A workspace the CLI made is not apply's to delete, even under the same name.
    Path cli = Path.of(run("mount", "dev.z", app()).out().strip());
    Files.writeString(cli.resolve("mine.txt"), "mine");
    Files.writeString(file, head.replace("name: y", "name: z"));
    CliRun refused = run("delete", "-f", file.toString());
    assertThat(refused.exit()).isEqualTo(2);
    assertThat(refused.err()).contains("dev.z belongs to cli");
    assertThat(cli.resolve("mine.txt")).hasContent("mine");
    assertThat(run("apply", "-f", file.toString()).exit()).isEqualTo(2);
  }

  JsonNode workspace(String name) throws Exception {
    for (JsonNode ws : JSON.readTree(run("-o", "json", "ls").out()).get("items")) {
      if (ws.get("name").asText().equals(name)) {
        return ws;
      }
    }
    throw new AssertionError("no workspace " + name);
  }

  /** The per-mount options (field 6 of mountinfo) of the mount at target. */
  static List<String> mountOptions(Path target) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] fields = line.split(" ");
      if (fields[4].equals(target.toString())) {
        return List.of(fields[5].split(","));
      }
    }
    throw new AssertionError(target + " is not mounted");
  }
}
