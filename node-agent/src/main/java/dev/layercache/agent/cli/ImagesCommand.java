package dev.layercache.agent.cli;

import dev.layercache.agent.analyze.ImageAnalyzer;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.SpaceReport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache images}: cached images with their sizes and what they share. */
@Command(
    name = "images",
    description = "List cached images: layers, sizes, shared and unique bytes.")
final class ImagesCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Option(
      names = {"-v", "--verbose"},
      description = "Also WASTED bytes per image (what later layers hide; see analyze).")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    LayerStore store = cli.readStore();
    SpaceReport view = Workspaces.space(store, false);
    ImageAnalyzer analyzer = new ImageAnalyzer(store.layout());
    PrintWriter out = spec.commandLine().getOut();
    if (cli.output == LayercacheCommand.Output.json) {
      List<Map<String, Object>> items = new ArrayList<>();
      for (SpaceReport.ImageUsage usage : view.images()) {
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
        if (verbose) {
          json.put("wastedBytes", wasted(analyzer, image));
        }
        items.add(json);
      }
      Json.print(out, "ImageList", items);
      return 0;
    }
    List<String> headers =
        new ArrayList<>(
            List.of(
                "REFERENCE",
                "MANIFEST",
                "PLATFORM",
                "LAYERS",
                "COMPRESSED",
                "SIZE",
                "SHARED",
                "UNIQUE"));
    if (verbose) {
      headers.add("WASTED");
    }
    Table table = new Table(headers.toArray(String[]::new));
    for (SpaceReport.ImageUsage usage : view.images()) {
      ImageRecord image = usage.image();
      List<Object> row =
          new ArrayList<>(
              List.of(
                  image.reference(),
                  PullProgress.shortId(image.manifestDigest()),
                  image.platform(),
                  image.layers().size(),
                  Sizes.human(usage.compressedBytes()),
                  Sizes.human(usage.sizeBytes()),
                  Sizes.human(usage.sharedBytes()),
                  Sizes.human(usage.uniqueBytes())));
      if (verbose) {
        row.add(Sizes.human(wasted(analyzer, image)));
      }
      table.row(row.toArray());
    }
    table.print(out);
    return 0;
  }

  static long wasted(ImageAnalyzer analyzer, ImageRecord image) throws java.io.IOException {
    return analyzer.analyze(image).wastedBytes();
  }
}
