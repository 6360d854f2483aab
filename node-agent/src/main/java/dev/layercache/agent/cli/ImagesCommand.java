package dev.layercache.agent.cli;

import dev.layercache.agent.store.ImageRecord;
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
    StoreView view = StoreView.read(cli.root);
    PrintWriter out = spec.commandLine().getOut();
    if (cli.output == LayercacheCommand.Output.json) {
      Json.print(
          out,
          view.images().stream()
              .map(
                  image -> {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("reference", image.reference());
                    json.put("manifestDigest", image.manifestDigest());
                    json.put("platform", image.platform());
                    json.put("layers", image.layers().size());
                    json.put("compressedBytes", compressed(image));
                    json.put("sizeBytes", view.size(image));
                    json.put("sharedBytes", view.shared(image));
                    json.put("uniqueBytes", view.size(image) - view.shared(image));
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
    for (ImageRecord image : view.images()) {
      long size = view.size(image);
      long shared = view.shared(image);
      table.row(
          image.reference(),
          PullProgress.shortId(image.manifestDigest()),
          image.platform(),
          image.layers().size(),
          Sizes.human(compressed(image)),
          Sizes.human(size),
          Sizes.human(shared),
          Sizes.human(size - shared));
    }
    table.print(out);
    return 0;
  }

  private static long compressed(ImageRecord image) {
    return image.layers().stream().mapToLong(ImageRecord.Layer::compressedBytes).sum();
  }
}
