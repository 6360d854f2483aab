package dev.layercache.agent.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache delete -f PATH}: undo what apply did. */
@Command(
    name = "delete",
    description =
        "Delete LayerCache and OverlayWorkspace objects on this machine: unpin layers; unmount"
            + " workspaces and remove their upper layers unless reclaimPolicy is Retain.")
final class DeleteCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Option(
      names = {"-f", "--filename"},
      required = true,
      paramLabel = "PATH",
      description = "A YAML/JSON file or a directory of them.")
  List<Path> paths;

  @Override
  public Integer call() throws Exception {
    return ApplyCommand.run(cli, spec, paths, false);
  }
}
