package dev.layercache.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.agent.daemon.LocalApi;
import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.RecordingMounter;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.WorkspaceManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A command line's {@code @file} arguments are the client's files, read where the client runs. */
class DaemonForwardingTest {
  @TempDir Path dir;

  @Test
  void theClientSendsItsArgumentFilesExpanded() throws Exception {
    Path root = Files.createDirectories(dir.resolve("store"));
    Path argsFile = Files.writeString(dir.resolve("gc.args"), "--dry-run\n");
    List<List<String>> received = new ArrayList<>();
    try (LocalApi.Server daemon =
        LocalApi.serve(
            root.resolve("daemon.sock"),
            (args, cwd, out, err) -> {
              received.add(args);
              return 0;
            })) {
      int exit =
          LayercacheCommand.run(
              new PrintWriter(new StringWriter()),
              new PrintWriter(new StringWriter()),
              "--root",
              root.toString(),
              "gc",
              "@" + argsFile);

      assertThat(exit).isZero();
    }
    assertThat(received).containsExactly(List.of("--root", root.toString(), "gc", "--dry-run"));
  }

  @Test
  void theDaemonReadsNoArgumentFileOfItsOwn() throws Exception {
    Path argsFile = Files.writeString(dir.resolve("gc.args"), "--dry-run\n");
    StringWriter err = new StringWriter();
    int exit;
    try (LayerStore store = LayerStore.open(dir.resolve("store"))) {
      WorkspaceManager workspaces =
          new WorkspaceManager(
              store,
              new RecordingMounter(),
              new KernelFeatures(true, true, true, true, true, true, true, false),
              Clock.systemUTC());
      exit =
          LayercacheCommand.runInDaemon(
              store,
              workspaces,
              List.of("--root", store.layout().root().toString(), "gc", "@" + argsFile),
              Path.of("/"),
              new PrintWriter(new StringWriter()),
              new PrintWriter(err));
    }

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("@" + argsFile);
  }
}
