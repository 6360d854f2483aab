package dev.layercache.agent.cli;

import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Layer;
import dev.layercache.oci.Platform;
import dev.layercache.oci.ResolvedImage;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache inspect IMAGE}: what a reference resolves to, without pulling layers. */
@Command(
    name = "inspect",
    description = "Resolve an image: manifest digest, platform, and each layer with its diff_id.")
final class InspectCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "IMAGE", description = "Image reference, e.g. python:3.12-slim.")
  String image;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "Platform to pick from an index (default: this machine's).")
  String platform;

  @Override
  public Integer call() throws Exception {
    ImageReference ref = ImageReference.parse(image);
    Platform wanted = platform == null ? Platform.host() : Platform.parse(platform);
    ResolvedImage resolved = cli.registry.client().resolve(ref, wanted);
    PrintWriter out = spec.commandLine().getOut();
    if (cli.output == LayercacheCommand.Output.json) {
      Json.print(out, "Image", describe(resolved));
      return 0;
    }
    out.println("Reference:  " + resolved.reference());
    resolved.indexDigest().ifPresent(d -> out.println("Index:      " + d));
    out.println(
        "Manifest:   " + resolved.manifestDigest() + " (" + resolved.manifestMediaType() + ")");
    out.println("Platform:   " + resolved.platform());
    out.println("Config:     " + resolved.configDescriptor().digest());
    out.println(
        "Layers:     "
            + resolved.layers().size()
            + ", "
            + Sizes.human(resolved.compressedSize())
            + " compressed");
    out.println();
    Table table = new Table("#", "DIGEST", "MEDIA TYPE", "SIZE", "DIFF ID");
    int i = 0;
    for (Layer layer : resolved.layers()) {
      table.row(
          i++,
          layer.blob().digest(),
          layer.blob().mediaType(),
          layer.blob().size(),
          layer.diffId());
    }
    table.print(out);
    return 0;
  }

  private static Map<String, Object> describe(ResolvedImage image) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("reference", image.reference().toString());
    json.put("indexDigest", image.indexDigest().map(Object::toString).orElse(null));
    json.put("manifestDigest", image.manifestDigest().toString());
    json.put("mediaType", image.manifestMediaType());
    json.put("platform", image.platform().toString());
    json.put("configDigest", image.configDescriptor().digest().toString());
    List<Map<String, Object>> layers =
        image.layers().stream()
            .map(
                l -> {
                  Map<String, Object> layer = new LinkedHashMap<>();
                  layer.put("digest", l.blob().digest().toString());
                  layer.put("mediaType", l.blob().mediaType());
                  layer.put("size", l.blob().size());
                  layer.put("diffID", l.diffId().toString());
                  return layer;
                })
            .toList();
    json.put("layers", layers);
    return json;
  }
}
