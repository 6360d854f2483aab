package dev.layercache.agent.cli;

import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.workspace.SpaceReport;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache images}: cached images with their sizes and what they share. */
@Command(
    name = "images",
    description = "List cached images: layers, sizes, shared and unique bytes.")
final class ImagesCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    SpaceReport view = Workspaces.space(cli.readStore(), false);
    PrintWriter out = spec.commandLine().getOut();
    if (cli.output == LayercacheCommand.Output.json) {
      Json.print(
          out,
          "ImageList",
          view.images().stream()
              .map(
                  usage -> {
                    ImageRecord image = usage.image();
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("reference", image.reference());
                    json.put("manifestDigest", image.manifestDigest());
                    json.put("platform", image.platform());
                    json.put("layers", image.layers().size());
                    json.put("compressedBytes", usage.compressedBytes());
                    json.put("sizeBytes", usage.sizeBytes());
                    json.put("sharedBytes", usage.sharedBytes());
                    json.put("uniqueBytes", usage.uniqueBytes());
                    json.put("pulledAt", image.pulledAt());
                    return json;
                  })
              .toList());
      return 0;
    }
    Table table =
        new Table(
            "REFERENCE",
            "MANIFEST",
            "PLATFORM",
            "LAYERS",
            "COMPRESSED",
            "SIZE",
            "SHARED",
            "UNIQUE");
    for (SpaceReport.ImageUsage usage : view.images()) {
      ImageRecord image = usage.image();
      table.row(
          image.reference(),
          PullProgress.shortId(image.manifestDigest()),
          image.platform(),
          image.layers().size(),
          Sizes.human(usage.compressedBytes()),
          Sizes.human(usage.sizeBytes()),
          Sizes.human(usage.sharedBytes()),
          Sizes.human(usage.uniqueBytes()));
    }
    table.print(out);
    return 0;
  }
}
