package dev.layercache.agent.cli;

import dev.layercache.agent.store.LayerRecord;
import dev.layercache.agent.store.LayerStore;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache layers}: cached layers, their sizes, and the images that share each one. */
@Command(name = "layers", description = "List cached layers: sizes and which images use each.")
final class LayersCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    LayerStore store = cli.readStore();
    List<LayerRecord> layers = store.layers();
    Map<String, Set<String>> users = Workspaces.space(store, false).layerUsers();
    PrintWriter out = spec.commandLine().getOut();
    if (cli.output == LayercacheCommand.Output.json) {
      Json.print(
          out,
          "LayerList",
          layers.stream()
              .map(
                  layer -> {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("diffID", layer.diffId());
                    json.put("blobDigest", layer.blobDigest());
                    json.put("mediaType", layer.mediaType());
                    json.put("compressedBytes", layer.compressedBytes());
                    json.put("unpackedBytes", layer.unpackedBytes());
                    json.put("images", List.copyOf(users.getOrDefault(layer.diffId(), Set.of())));
                    return json;
                  })
              .toList());
      return 0;
    }
    Table table = new Table("DIFF ID", "COMPRESSED", "SIZE", "IMAGES", "USED BY");
    for (LayerRecord layer : layers) {
      Set<String> imageRefs = users.getOrDefault(layer.diffId(), Set.of());
      table.row(
          PullProgress.shortId(layer.diffId()),
          Sizes.human(layer.compressedBytes()),
          Sizes.human(layer.unpackedBytes()),
          imageRefs.size(),
          imageRefs.isEmpty() ? "-" : String.join(", ", imageRefs));
    }
    table.print(out);
    return 0;
  }
}
