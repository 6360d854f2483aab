package dev.layercache.agent.cli;

import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.WorkspaceManager;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache umount NAME [--keep-upper | --delete-upper] [--force]}. */
@Command(
    name = "umount",
    description =
        "Unmount workspace NAME. Its upper layer goes with it, unless the workspace is retained"
            + " (mount --retain): then it is kept, listed as Retained, and mounted again by the next"
            + " mount of NAME. --keep-upper or --delete-upper overrides that.")
final class UmountCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "NAME", description = "Workspace name.")
  String name;

  @CommandLine.ArgGroup(exclusive = true)
  Upper upper;

  /** The explicit overrides of the workspace's own policy. */
  static final class Upper {
    @Option(
        names = "--keep-upper",
        required = true,
        description = "Keep the upper layer, even of a workspace that is not retained.")
    boolean keep;

    @Option(
        names = "--delete-upper",
        required = true,
        description = "Delete the upper layer, even of a retained workspace.")
    boolean delete;
  }

  @Option(
      names = "--force",
      description = "Detach a busy mount lazily: it is freed when its last user leaves.")
  boolean force;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (LayerStore store = cli.openStore()) {
      WorkspaceManager manager = cli.workspaces(store);
      WorkspaceManager.UpperPolicy policy =
          upper == null
              ? WorkspaceManager.UpperPolicy.RECORDED
              : upper.keep
                  ? WorkspaceManager.UpperPolicy.KEEP
                  : WorkspaceManager.UpperPolicy.DELETE;
      WorkspaceManager.Removal removal =
          Workspaces.badInputAware(() -> manager.remove(name, Workspaces.OWNER, policy, force));
      switch (removal) {
        case ABSENT -> throw new BadInputException("workspace " + name + " does not exist");
        case RETAINED ->
            out.println(
                name
                    + ": unmounted; upper layer kept at "
                    + manager.dirs(name).upper()
                    + " (umount --delete-upper removes it)");
        case DELETED -> out.println(name + ": unmounted and removed");
      }
      out.flush();
    }
    return 0;
  }
}
