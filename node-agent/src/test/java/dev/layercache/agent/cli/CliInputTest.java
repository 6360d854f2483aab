package dev.layercache.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.agent.store.LayerStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs the CLI refuses before it touches anything, and the exit codes it says them with. */
class CliInputTest {
  @TempDir Path dir;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @Test
  void aRootThatCannotBeAStoreIsBadInput() throws Exception {
    CliRun empty = run("--root", "", "ls");
    assertThat(empty.exit()).isEqualTo(2);
    assertThat(empty.err()).contains("--root: must name a directory");
    assertThat(run("--root", "", "pull", "registry.local/x:1").exit()).isEqualTo(2);

    Path file = Files.writeString(dir.resolve("file"), "x");
    for (String[] command :
        new String[][] {{"ls"}, {"df"}, {"pull", "registry.local/x:1"}, {"gc", "--dry-run"}}) {
      String[] args = new String[command.length + 2];
      args[0] = "--root";
      args[1] = file.toString();
      System.arraycopy(command, 0, args, 2, command.length);
      CliRun run = run(args);
      assertThat(run.exit()).as(String.join(" ", command)).isEqualTo(2);
      assertThat(run.err()).contains(file + ": not a directory");
    }
  }

  @Test
  void readingANonexistentStoreSaysSoAndCreatesNothing() {
    Path missing = dir.resolve("missing");
    for (String command : new String[] {"ls", "df", "images", "layers"}) {
      CliRun run = run("--root", missing.toString(), command);
      assertThat(run.exit()).as(command).isEqualTo(2);
      assertThat(run.err()).contains("no layer store at " + missing);
    }
    assertThat(run("--root", missing.toString(), "gc", "--dry-run").exit()).isEqualTo(2);
    assertThat(missing).doesNotExist();
  }

  @Test
  void aDryRunOnlyReadsAndABusyStoreHasItsOwnExitCode() throws Exception {
    Path root = dir.resolve("store");
    try (LayerStore writer = LayerStore.open(root)) {
      CliRun dry = run("--root", root.toString(), "gc", "--dry-run");
      assertThat(dry.exit()).as(dry.err()).isZero();
      CliRun busy = run("--root", root.toString(), "gc");
      assertThat(busy.exit()).isEqualTo(3);
      assertThat(busy.err()).contains("in use by another layercache process");
    }
  }

  @Test
  void badArgumentsAreBadInput() {
    Path root = dir.resolve("store");
    CliRun parallel =
        run("--root", root.toString(), "pull", "--parallel", "0", "registry.local/x:1");
    assertThat(parallel.exit()).isEqualTo(2);
    assertThat(parallel.err()).contains("--parallel: must be at least 1");
    assertThat(run("--root", root.toString(), "pull", "--parallel", "-3", "a:1").exit())
        .isEqualTo(2);
    CliRun commit =
        run(
            "--root",
            root.toString(),
            "commit",
            "ws1",
            "registry.local/x@sha256:" + "a".repeat(64));
    assertThat(commit.exit()).isEqualTo(2);
    assertThat(commit.err()).contains("must be a tag");
  }

  @Test
  void debrisIsShownByDfAndRemovedByGc() throws Exception {
    Path root = dir.resolve("store");
    try (LayerStore store = LayerStore.open(root)) {
      Files.write(store.newStagingDir().resolve("partial"), new byte[3000]);
    }
    Path trash = Files.createDirectories(root.resolve("workspaces/.trash-1234"));
    Files.write(trash.resolve("upper-file"), new byte[2000]);

    CliRun df = run("--root", root.toString(), "df");
    assertThat(df.exit()).as(df.err()).isZero();
    assertThat(df.out()).contains("Debris (gc removes it)").contains("5.00kB");
    assertThat(run("--root", root.toString(), "gc", "--dry-run").out())
        .contains("would remove 5.00kB of debris");
    assertThat(trash).exists();

    CliRun gc = run("--root", root.toString(), "gc");
    assertThat(gc.exit()).as(gc.err()).isZero();
    assertThat(gc.out()).contains("removed 5.00kB of debris left by interrupted work (2 items)");
    assertThat(trash).doesNotExist();
    assertThat(run("--root", root.toString(), "df").out()).doesNotContain("Debris");
  }

  @Test
  void everyCommandHasHelpAndErrorsAreJsonWhenAskedFor() throws Exception {
    for (String command :
        new String[] {
          "inspect", "pull", "images", "layers", "mount", "umount", "ls", "df", "gc", "commit",
          "apply", "delete", "agent"
        }) {
      CliRun help = run(command, "--help");
      assertThat(help.exit()).as(command).isZero();
      assertThat(help.out()).as(command).contains("Usage: layercache " + command);
    }
    assertThat(run("help", "umount").out()).contains("--delete-upper");
    assertThat(run("generate-completion").out()).contains("complete -F");
    assertThat(run("--version").out()).containsPattern("layercache \\S+ \\(commit \\S+");

    CliRun error = run("--root", dir.resolve("none").toString(), "-o", "json", "ls");
    assertThat(error.exit()).isEqualTo(2);
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(error.out());
    assertThat(json.get("version").asInt()).isEqualTo(1);
    assertThat(json.get("kind").asText()).isEqualTo("Error");
    assertThat(json.at("/error/exitCode").asInt()).isEqualTo(2);
    assertThat(json.at("/error/message").asText()).contains("no layer store");
  }
}
