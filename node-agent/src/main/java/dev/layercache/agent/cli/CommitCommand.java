package dev.layercache.agent.cli;

import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.LayerCommitter;
import dev.layercache.agent.workspace.WorkspaceInfo;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Platform;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache commit NAME IMAGE_REF}: push the upper layer as a new image layer. */
@Command(
    name = "commit",
    description =
        "Turn workspace NAME's upper layer into an OCI layer and push it with the base image's"
            + " layers as IMAGE_REF.")
final class CommitCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "Workspace name.")
  String name;

  @Parameters(index = "1", paramLabel = "IMAGE_REF", description = "Where to push (a tag).")
  String target;

  @Override
  public Integer call() throws Exception {
    ImageReference ref = ImageReference.parse(target);
    if (ref.digest().isPresent()) {
      throw new BadInputException(
          "commit target "
              + target
              + ": must be a tag (the digest of the new image is known only once it is built)");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter progress =
        cli.progress() ? spec.commandLine().getErr() : new PrintWriter(Writer.nullWriter());
    LayerCommitter.Result result;
    try (LayerStore store = cli.openStore()) {
      WorkspaceInfo ws =
          Workspaces.badInputAware(() -> cli.workspaces(store).get(name))
              .orElseThrow(() -> new BadInputException("workspace " + name + " does not exist"));
      Platform platform =
          store
              .image(ws.record().image())
              .map(i -> Platform.parse(i.platform()))
              .orElse(Platform.host());
      Path scratch = store.newStagingDir();
      try {
        result =
            new LayerCommitter(cli.registry.client(), Clock.systemUTC(), progress::println)
                .commit(ws.record(), ws.layout().upper(), platform, ref, scratch);
      } finally {
        DirFd.deleteTree(scratch);
      }
    }
    if (cli.output == LayercacheCommand.Output.json) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("image", result.image().toString());
      json.put("digest", result.manifestDigest().toString());
      json.put("layerDigest", result.layer().digest().toString());
      json.put("diffID", result.diffId().toString());
      json.put("layerBytes", result.layer().size());
      Json.print(out, "Commit", json);
    } else {
      out.println(
          result.image()
              + "@"
              + result.manifestDigest()
              + "  (new layer "
              + PullProgress.shortId(result.layer().digest().toString())
              + ", "
              + Sizes.human(result.layer().size())
              + " gzip)");
      out.flush();
    }
    return 0;
  }
}
