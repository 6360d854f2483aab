package dev.layercache.agent.cli;

import dev.layercache.agent.analyze.ImageAnalysis;
import dev.layercache.agent.analyze.ImageAnalyzer;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.PullListener;
import dev.layercache.oci.Platform;
import java.io.PrintWriter;
import java.util.ArrayList;
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

/** {@code layercache analyze IMAGE [--ci ...]}: what an image's layers waste. */
@Command(
    name = "analyze",
    description =
        "Show what IMAGE's layers carry that its merged view hides (removed or replaced by a later"
            + " layer): per layer, the largest wasted files, and an efficiency score. Pulls the"
            + " image if it is not cached. With --ci, checks rules and exits 1 if one is broken.")
final class AnalyzeCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "IMAGE", description = "Image reference.")
  String image;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "Platform (default: this machine's).")
  String platform;

  @Option(names = "--ci", description = "Check the rules below; exit 1 if one is broken.")
  boolean ci;

  @Option(
      names = "--lowest-efficiency",
      defaultValue = "0.9",
      paramLabel = "R",
      description = "CI: the least efficiency allowed, 0..1 (default: ${DEFAULT-VALUE}).")
  double lowestEfficiency;

  @Option(
      names = "--highest-wasted-bytes",
      paramLabel = "N",
      description = "CI: the most wasted bytes allowed (default: no limit).")
  Long highestWastedBytes;

  @Option(
      names = "--highest-user-wasted-percent",
      defaultValue = "0.1",
      paramLabel = "R",
      description =
          "CI: the most the image's own layers (the base not counted) may waste, as a fraction"
              + " of its size, 0..1 (default: ${DEFAULT-VALUE}).")
  double highestUserWasted;

  /** One CI rule's outcome. */
  record Rule(String name, String limit, String actual, boolean passed) {}

  @Override
  public Integer call() throws Exception {
    checkFraction("--lowest-efficiency", lowestEfficiency);
    checkFraction("--highest-user-wasted-percent", highestUserWasted);
    if (highestWastedBytes != null && highestWastedBytes < 0) {
      throw new BadInputException("--highest-wasted-bytes: must not be negative");
    }
    ImageAnalysis analysis;
    try (LayerStore store = cli.openStore()) {
      ImageRecord record =
          Workspaces.ensureImage(
              store,
              cli.registry.client(),
              image,
              platform == null ? Platform.host() : Platform.parse(platform),
              PullListener.NONE);
      analysis = new ImageAnalyzer(store.layout()).analyze(record);
    }
    List<Rule> rules = ci ? rules(analysis) : List.of();
    PrintWriter out = spec.commandLine().getOut();
    if (cli.output == LayercacheCommand.Output.json) {
      Json.print(out, "ImageAnalysis", json(analysis, rules));
    } else {
      print(out, analysis, rules);
    }
    return rules.stream().allMatch(Rule::passed) ? 0 : LayercacheCommand.EXIT_FAILED;
  }

  private List<Rule> rules(ImageAnalysis a) {
    List<Rule> rules = new ArrayList<>();
    rules.add(
        new Rule(
            "lowestEfficiency",
            String.valueOf(lowestEfficiency),
            String.format("%.4f", a.efficiency()),
            a.efficiency() >= lowestEfficiency));
    if (highestWastedBytes != null) {
      rules.add(
          new Rule(
              "highestWastedBytes",
              String.valueOf(highestWastedBytes),
              String.valueOf(a.wastedBytes()),
              a.wastedBytes() <= highestWastedBytes));
    }
    rules.add(
        new Rule(
            "highestUserWastedPercent",
            String.valueOf(highestUserWasted),
            String.format("%.4f", a.userWastedFraction()),
            a.userWastedFraction() <= highestUserWasted));
    return rules;
  }

  private static void print(PrintWriter out, ImageAnalysis a, List<Rule> rules) {
    out.println(a.reference() + "  " + a.manifestDigest());
    Table layers = new Table("LAYER", "DIFF ID", "SIZE", "ADDED", "CHANGED", "REMOVED", "WASTED");
    for (ImageAnalysis.LayerAnalysis l : a.layers()) {
      layers.row(
          l.index(),
          PullProgress.shortId(l.diffId()),
          Sizes.human(l.sizeBytes()),
          l.added(),
          l.changed(),
          l.removed(),
          Sizes.human(l.wastedBytes()));
    }
    layers.print(out);
    if (!a.largest().isEmpty()) {
      out.println();
      Table wasted = new Table("WASTED", "PATH", "ADDED BY", "HIDDEN BY");
      for (ImageAnalysis.WastedPath w : a.largest()) {
        wasted.row(
            Sizes.human(w.bytes()),
            "/" + w.path(),
            "layer " + w.addedBy(),
            "layer " + w.hiddenBy());
      }
      wasted.print(out);
    }
    out.println();
    out.printf(
        "total %s, wasted %s (the image's own layers: %s, %.1f%%), efficiency %.1f%%%n",
        Sizes.human(a.totalBytes()),
        Sizes.human(a.wastedBytes()),
        Sizes.human(a.userWastedBytes()),
        100 * a.userWastedFraction(),
        100 * a.efficiency());
    for (Rule rule : rules) {
      out.printf(
          "%s: %s (limit %s, actual %s)%n",
          rule.passed() ? "PASS" : "FAIL", rule.name(), rule.limit(), rule.actual());
    }
    out.flush();
  }

  private static Map<String, Object> json(ImageAnalysis a, List<Rule> rules) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("reference", a.reference());
    json.put("manifestDigest", a.manifestDigest());
    json.put("totalBytes", a.totalBytes());
    json.put("wastedBytes", a.wastedBytes());
    json.put("userWastedBytes", a.userWastedBytes());
    json.put("efficiency", a.efficiency());
    json.put("userWastedPercent", a.userWastedFraction());
    json.put(
        "layers",
        a.layers().stream()
            .map(
                l -> {
                  Map<String, Object> layer = new LinkedHashMap<>();
                  layer.put("index", l.index());
                  layer.put("diffID", l.diffId());
                  layer.put("sizeBytes", l.sizeBytes());
                  layer.put("added", l.added());
                  layer.put("changed", l.changed());
                  layer.put("removed", l.removed());
                  layer.put("wastedBytes", l.wastedBytes());
                  return layer;
                })
            .toList());
    json.put(
        "largestWasted",
        a.largest().stream()
            .map(
                w -> {
                  Map<String, Object> path = new LinkedHashMap<>();
                  path.put("path", "/" + w.path());
                  path.put("bytes", w.bytes());
                  path.put("addedBy", w.addedBy());
                  path.put("hiddenBy", w.hiddenBy());
                  return path;
                })
            .toList());
    if (!rules.isEmpty()) {
      json.put("rules", rules);
      json.put("passed", rules.stream().allMatch(Rule::passed));
    }
    return json;
  }

  private static void checkFraction(String option, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new BadInputException(option + ": must be a fraction from 0 to 1, got " + value);
    }
  }
}
