package dev.layercache.agent.cli;

import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.WorkspaceManager;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache umount NAME [--keep-upper] [--force]}. */
@Command(
    name = "umount",
    description = "Unmount workspace NAME and delete it, upper layer included unless --keep-upper.")
final class UmountCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "NAME", description = "Workspace name.")
  String name;

  @Option(
      names = "--keep-upper",
      description = "Keep the upper layer (the workspace is listed as Retained).")
  boolean keepUpper;

  @Option(
      names = "--force",
      description = "Detach a busy mount lazily: it is freed when its last user leaves.")
  boolean force;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (LayerStore store = LayerStore.open(cli.root)) {
      WorkspaceManager manager = Workspaces.manager(store);
      WorkspaceManager.Removal removal =
          Workspaces.badInputAware(() -> manager.remove(name, keepUpper, force));
      switch (removal) {
        case ABSENT -> throw new BadInputException("workspace " + name + " does not exist");
        case RETAINED ->
            out.println(name + ": unmounted; upper layer kept at " + manager.dirs(name).upper());
        case DELETED -> out.println(name + ": unmounted and removed");
      }
      out.flush();
    }
    return 0;
  }
}
