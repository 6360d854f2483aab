package dev.layercache.agent.cli;

import dev.layercache.agent.analyze.ImageAnalyzer;
import dev.layercache.agent.snapshot.StoreLayerSnapshots;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.SpaceReport;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache df [-v]}: logical, physical and saved bytes, like `docker system df`. */
@Command(
    name = "df",
    description =
        "Show what the store holds and what sharing saves: logical (if nothing were shared),"
            + " physical (on disk) and saved bytes.")
final class DfCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Option(
      names = {"-v", "--verbose"},
      description = "Per image SHARED and UNIQUE size, per workspace upper size.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    LayerStore store = cli.readStore();
    SpaceReport report = Workspaces.space(store, true);
    Workspaces.Debris debris = Workspaces.debris(store);
    StoreLayerSnapshots containerd = StoreLayerSnapshots.read(store);
    if (cli.output == LayercacheCommand.Output.json) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("logicalBytes", report.logicalBytes());
      json.put("physicalBytes", report.physicalBytes());
      json.put("savedBytes", report.savedBytes());
      json.put("layerBytes", report.layerBytes());
      json.put("layers", report.layerCount());
      json.put("upperBytes", report.upperBytes());
      json.put(
          "images",
          report.images().stream()
              .map(
                  i -> {
                    Map<String, Object> image = new LinkedHashMap<>();
                    image.put("reference", i.reference());
                    image.put("manifestDigest", i.image().manifestDigest());
                    image.put("sizeBytes", i.sizeBytes());
                    image.put("sharedBytes", i.sharedBytes());
                    image.put("uniqueBytes", i.uniqueBytes());
                    image.put("workspaces", i.workspaces());
                    return image;
                  })
              .toList());
      json.put(
          "workspaces",
          report.workspaces().stream()
              .map(
                  w -> {
                    Map<String, Object> ws = new LinkedHashMap<>();
                    ws.put("name", w.name());
                    ws.put("image", w.image());
                    ws.put("state", w.state());
                    ws.put("lowerBytes", w.lowerBytes());
                    ws.put("upperBytes", w.upperBytes());
                    ws.put("sizeLimitBytes", w.sizeLimitBytes());
                    ws.put("overSizeLimit", w.overSizeLimit());
                    return ws;
                  })
              .toList());
      Map<String, Object> snapshots = new LinkedHashMap<>();
      snapshots.put("snapshots", containerd.snapshots());
      snapshots.put("layers", containerd.layers().size());
      snapshots.put("unpackedBytes", containerd.unpackedBytes());
      snapshots.put("blobBytes", containerd.blobBytes());
      snapshots.put("notStoredTwiceBytes", containerd.notStoredTwiceBytes());
      snapshots.put(
          "perLayer",
          containerd.layers().stream()
              .map(
                  l -> {
                    Map<String, Object> layer = new LinkedHashMap<>();
                    layer.put("diffID", l.diffId());
                    layer.put("snapshots", l.snapshots());
                    layer.put("unpackedBytes", l.unpackedBytes());
                    layer.put("blobBytes", l.blobBytes());
                    return layer;
                  })
              .toList());
      json.put("containerd", snapshots);
      json.put("debrisBytes", debris.bytes());
      json.put("debris", debris.paths().stream().map(Object::toString).toList());
      Json.print(out, "DiskUsage", json);
      return 0;
    }
    Table totals = new Table("TYPE", "COUNT", "SIZE");
    totals.row(
        "Images",
        report.images().size(),
        Sizes.human(report.images().stream().mapToLong(SpaceReport.ImageUsage::sizeBytes).sum()));
    totals.row("Layers", report.layerCount(), Sizes.human(report.layerBytes()));
    totals.row("Workspace uppers", report.workspaces().size(), Sizes.human(report.upperBytes()));
    if (!debris.paths().isEmpty()) {
      totals.row("Debris (gc removes it)", debris.paths().size(), Sizes.human(debris.bytes()));
    }
    totals.print(out);
    out.println();
    Table savings = new Table("LOGICAL", "PHYSICAL", "SAVED");
    savings.row(
        Sizes.human(report.logicalBytes()),
        Sizes.human(report.physicalBytes()),
        Sizes.human(report.savedBytes()) + percent(report));
    savings.print(out);
    if (containerd.snapshots() > 0) {
      out.println();
      out.println(describe(containerd));
    }
    if (verbose) {
      out.println();
      out.println("Images:");
      Table images = new Table("REFERENCE", "SIZE", "SHARED", "UNIQUE", "WASTED", "WORKSPACES");
      ImageAnalyzer analyzer = new ImageAnalyzer(store.layout());
      for (SpaceReport.ImageUsage image : report.images()) {
        images.row(
            image.reference(),
            Sizes.human(image.sizeBytes()),
            Sizes.human(image.sharedBytes()),
            Sizes.human(image.uniqueBytes()),
            Sizes.human(ImagesCommand.wasted(analyzer, image.image())),
            image.workspaces());
      }
      images.print(out);
      out.println();
      out.println("Workspaces:");
      Table workspaces = new Table("NAME", "IMAGE", "STATE", "LOWER", "UPPER");
      for (SpaceReport.WorkspaceUsage ws : report.workspaces()) {
        workspaces.row(
            ws.name(),
            ws.image(),
            ws.state(),
            Sizes.human(ws.lowerBytes()),
            Sizes.upper(ws.upperBytes(), ws.sizeLimitBytes()));
      }
      workspaces.print(out);
      if (containerd.snapshots() > 0) {
        out.println();
        out.println("containerd snapshots on store layers:");
        Table layers = new Table("LAYER", "SNAPSHOTS", "UNPACKED", "BLOB");
        for (StoreLayerSnapshots.LayerUse layer : containerd.layers()) {
          layers.row(
              layer.diffId(),
              layer.snapshots(),
              Sizes.human(layer.unpackedBytes()),
              Sizes.human(layer.blobBytes()));
        }
        layers.print(out);
      }
    }
    out.flush();
    return 0;
  }

  /** The line docs/containerd.md shows: what containerd keeps no copy of, besides the store. */
  static String describe(StoreLayerSnapshots containerd) {
    return "containerd: "
        + containerd.snapshots()
        + (containerd.snapshots() == 1 ? " snapshot" : " snapshots")
        + " on "
        + containerd.layers().size()
        + (containerd.layers().size() == 1 ? " store layer, " : " store layers, ")
        + Sizes.human(containerd.notStoredTwiceBytes())
        + " not stored twice ("
        + Sizes.human(containerd.unpackedBytes())
        + " unpacked, "
        + Sizes.human(containerd.blobBytes())
        + " blobs)";
  }

  private static String percent(SpaceReport report) {
    if (report.logicalBytes() == 0) {
      return "";
    }
    return String.format(" (%.0f%%)", 100.0 * report.savedBytes() / report.logicalBytes());
  }
}
