package dev.layercache.agent.cli;

import dev.layercache.agent.store.DiskBudget;
import dev.layercache.agent.store.ImagePuller;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Platform;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache pull IMAGE...}: fetch, verify and unpack images into the store. */
@Command(name = "pull", description = "Fetch, verify and unpack images into the layer store.")
final class PullCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "Image references.")
  List<String> images;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "Platform to pick from an index (default: this machine's).")
  String platform;

  @Option(
      names = "--parallel",
      defaultValue = "4",
      description = "Layers fetched and unpacked at once (default: ${DEFAULT-VALUE}).")
  int parallel;

  @Option(
      names = "--high-watermark",
      defaultValue = "0.90",
      description =
          "Refuse pulls that would fill the disk past this fraction (default: ${DEFAULT-VALUE}).")
  double highWatermark;

  @Override
  public Integer call() throws Exception {
    if (parallel < 1) {
      throw new BadInputException("--parallel: must be at least 1, got " + parallel);
    }
    List<ImageReference> refs = new ArrayList<>();
    for (String image : images) {
      refs.add(ImageReference.parse(image));
    }
    Platform wanted = platform == null ? Platform.host() : Platform.parse(platform);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter progressOut =
        cli.progress() ? spec.commandLine().getErr() : new PrintWriter(Writer.nullWriter());
    boolean json = cli.output == LayercacheCommand.Output.json;
    List<ImagePuller.PullResult> results = new ArrayList<>();
    ExecutorService executor = Executors.newFixedThreadPool(parallel);
    try (LayerStore store = cli.openStore();
        PullProgress progress =
            new PullProgress(progressOut, cli.progress() && System.console() != null && !json)) {
      ImagePuller puller =
          new ImagePuller(
              cli.registry.client(),
              store,
              new DiskBudget(highWatermark),
              executor,
              Clock.systemUTC());
      for (ImageReference ref : refs) {
        results.add(puller.pull(ref, wanted, progress));
      }
    } finally {
      executor.shutdownNow();
    }
    if (json) {
      Json.print(out, "PullList", results.stream().map(PullCommand::describe).toList());
      return 0;
    }
    for (ImagePuller.PullResult result : results) {
      out.println(result.image().reference() + "  " + result.image().manifestDigest());
      Table table = new Table("LAYER", "DIFF ID", "COMPRESSED", "UNPACKED", "STATUS");
      for (ImagePuller.LayerOutcome layer : result.layers()) {
        table.row(
            PullProgress.shortId(layer.layer().blob().digest().toString()),
            PullProgress.shortId(layer.stored().diffId()),
            Sizes.human(layer.layer().blob().size()),
            Sizes.human(layer.stored().unpackedBytes()),
            layer.wasCached() ? "already cached" : "pulled");
      }
      table.print(out);
    }
    return 0;
  }

  private static Map<String, Object> describe(ImagePuller.PullResult result) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("reference", result.image().reference());
    json.put("manifestDigest", result.image().manifestDigest());
    json.put("platform", result.image().platform());
    json.put(
        "layers",
        result.layers().stream()
            .map(
                l -> {
                  Map<String, Object> layer = new LinkedHashMap<>();
                  layer.put("digest", l.layer().blob().digest().toString());
                  layer.put("diffID", l.stored().diffId());
                  layer.put("compressedBytes", l.layer().blob().size());
                  layer.put("unpackedBytes", l.stored().unpackedBytes());
                  layer.put("cached", l.wasCached());
                  return layer;
                })
            .toList());
    return json;
  }
}
