package dev.layercache.agent.cli;

import dev.layercache.agent.store.LayerGc;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.WorkspaceManager;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache gc [--dry-run]}: evict unused layers, LRU, from high to low watermark. */
@Command(
    name = "gc",
    description =
        "When the disk is past the high watermark, evict layers that no workspace uses and no"
            + " LayerCache pins, least recently used first, down to the low watermark.")
final class GcCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Option(names = "--dry-run", description = "Only say what would be evicted.")
  boolean dryRun;

  @Option(
      names = "--high-watermark",
      defaultValue = "0.85",
      description = "Start evicting past this fraction of the disk (default: ${DEFAULT-VALUE}).")
  double high;

  @Option(
      names = "--low-watermark",
      defaultValue = "0.70",
      description = "Evict down to this fraction of the disk (default: ${DEFAULT-VALUE}).")
  double low;

  @Override
  public Integer call() throws Exception {
    if (!(0 <= low && low <= high && high <= 1)) {
      throw new BadInputException(
          "watermarks must satisfy 0 <= --low-watermark <= --high-watermark <= 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    LayerGc.Plan plan;
    // Debris is measured before a writer's open clears staging; a dry run only reads.
    Workspaces.Debris debris = Workspaces.debris(cli.readStore());
    if (dryRun) {
      LayerStore store = cli.readStore();
      plan = new LayerGc(store).run(cli.workspaces(store).layersInUse(), high, low, true);
    } else {
      try (LayerStore store = cli.openStore()) {
        WorkspaceManager manager = cli.workspaces(store);
        cli.recover(manager, cli.notes(spec));
        plan = new LayerGc(store).run(manager.layersInUse(), high, low, false);
      }
    }
    if (cli.output == LayercacheCommand.Output.json) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("dryRun", dryRun);
      json.put("capacityBytes", plan.capacityBytes());
      json.put("usedBytes", plan.usedBytes());
      json.put("highWatermarkBytes", plan.highBytes());
      json.put("lowWatermarkBytes", plan.lowBytes());
      json.put(
          "evicted",
          plan.evict().stream()
              .map(
                  v ->
                      Map.of(
                          "diffID", v.layer().diffId(),
                          "bytes", v.layer().unpackedBytes(),
                          "lastUsed", v.lastUsed().toString()))
              .toList());
      json.put("freedBytes", plan.freedBytes());
      json.put("protectedLayers", plan.protectedLayers());
      json.put("debrisBytes", debris.bytes());
      Json.print(out, "GcResult", json);
      return 0;
    }
    String disk =
        String.format(
            "disk %s of %s used (%.0f%%), high watermark %.0f%%, low %.0f%%",
            Sizes.human(plan.usedBytes()),
            Sizes.human(plan.capacityBytes()),
            100.0 * plan.usedBytes() / Math.max(1, plan.capacityBytes()),
            high * 100,
            low * 100);
    if (!debris.paths().isEmpty()) {
      out.println(
          (dryRun ? "would remove " : "removed ")
              + Sizes.human(debris.bytes())
              + " of debris left by interrupted work ("
              + debris.paths().size()
              + " items)");
    }
    if (!plan.overHighWatermark()) {
      out.println(disk + ": nothing to evict");
      out.flush();
      return 0;
    }
    Table table = new Table("DIFF ID", "SIZE", "LAST USED");
    plan.evict()
        .forEach(
            v ->
                table.row(
                    PullProgress.shortId(v.layer().diffId()),
                    Sizes.human(v.layer().unpackedBytes()),
                    v.lastUsed()));
    table.print(out);
    out.println(
        disk
            + (dryRun ? ": would free " : ": freed ")
            + Sizes.human(plan.freedBytes())
            + " in "
            + plan.evict().size()
            + " layers; "
            + plan.protectedLayers()
            + " layers kept (in use or pinned)"
            + (plan.stillOverLow() ? "; still over the low watermark" : ""));
    out.flush();
    return 0;
  }
}
