package dev.layercache.agent.cli;

import dev.layercache.agent.standalone.StandaloneReconciler;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.PullListener;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryClient;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache apply -f PATH}: reconcile LayerCache and OverlayWorkspace YAML locally. */
@Command(
    name = "apply",
    description =
        "Reconcile LayerCache and OverlayWorkspace objects on this machine, with no API server:"
            + " pull and pin a LayerCache's images, mount each OverlayWorkspace.")
final class ApplyCommand implements Callable<Integer> {
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
    return run(this.cli, spec, paths, true);
  }

  static int run(LayercacheCommand cli, CommandSpec spec, List<Path> paths, boolean apply)
      throws Exception {
    List<HasMetadata> objects = Manifests.read(paths);
    PrintWriter out = spec.commandLine().getOut();
    try (LayerStore store = cli.openStore()) {
      WorkspaceManager manager = cli.workspaces(store);
      cli.recover(manager, cli.notes(spec));
      RegistryClient[] registry = {null};
      StandaloneReconciler reconciler =
          new StandaloneReconciler(
              store,
              manager,
              reference -> {
                if (registry[0] == null) {
                  registry[0] = cli.registry.client();
                }
                return Workspaces.ensureImage(
                    store, registry[0], reference, Platform.host(), PullListener.NONE);
              },
              Clock.systemUTC());
      List<StandaloneReconciler.Outcome> outcomes =
          Workspaces.badInputAware(
              () -> apply ? reconciler.apply(objects) : reconciler.delete(objects));
      if (cli.output == LayercacheCommand.Output.json) {
        Json.print(
            out,
            "ApplyResult",
            outcomes.stream()
                .map(
                    o -> {
                      Map<String, Object> json = new LinkedHashMap<>();
                      json.put("object", o.object());
                      json.put("action", o.action());
                      json.put("failed", o.failed());
                      return json;
                    })
                .toList());
      } else {
        outcomes.forEach(out::println);
        out.flush();
      }
      return outcomes.stream().anyMatch(StandaloneReconciler.Outcome::failed)
          ? LayercacheCommand.EXIT_FAILED
          : 0;
    }
  }
}
