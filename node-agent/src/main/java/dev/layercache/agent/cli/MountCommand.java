package dev.layercache.agent.cli;

import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.PullListener;
import dev.layercache.agent.workspace.WorkspaceInfo;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.agent.workspace.WorkspaceRecord;
import dev.layercache.agent.workspace.WorkspaceRequest;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Platform;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache mount NAME IMAGE}: create a workspace and print its merged path. */
@Command(
    name = "mount",
    description =
        "Create workspace NAME: a writable overlay of IMAGE (pulled if missing), and print its"
            + " merged path. An existing NAME over the same image is mounted again if it is not"
            + " mounted, and takes the settings given here.")
final class MountCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "Workspace name.")
  String name;

  @Parameters(index = "1", paramLabel = "IMAGE", description = "Image reference.")
  String image;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "Platform (default: this machine's).")
  String platform;

  // Booleans, not booleans: on an existing workspace a flag not given keeps its setting.
  @Option(
      names = "--retain",
      negatable = true,
      description =
          "Keep the upper layer on umount, and never mount it volatile (default: no; for an"
              + " existing workspace, unchanged).")
  Boolean retain;

  @Option(names = "--allow-setuid", negatable = true, description = "Mount without nosuid.")
  Boolean allowSetuid;

  @Option(names = "--allow-devices", negatable = true, description = "Mount without nodev.")
  Boolean allowDevices;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = cli.notes(spec);
    try (LayerStore store = cli.openStore()) {
      WorkspaceManager manager = cli.workspaces(store);
      cli.recover(manager, err);
      String reference = ImageReference.parse(image).toString();
      Workspaces.badInputAware(
          () -> {
            manager.check(name, Workspaces.OWNER, reference);
            return null;
          });
      Optional<WorkspaceRecord> existing = manager.get(name).map(WorkspaceInfo::record);
      ImageRecord record =
          Workspaces.ensureImage(
              store,
              cli.registry.client(),
              image,
              platform == null ? Platform.host() : Platform.parse(platform),
              PullListener.NONE);
      WorkspaceManager.Ensured ensured =
          Workspaces.badInputAware(
              () ->
                  manager.ensure(
                      new WorkspaceRequest(
                          name,
                          record,
                          setting(retain, existing.map(WorkspaceRecord::retain)),
                          setting(allowSetuid, existing.map(WorkspaceRecord::allowSetuid)),
                          setting(allowDevices, existing.map(WorkspaceRecord::allowDevices)),
                          existing.map(WorkspaceRecord::sizeLimitBytes).orElse(null),
                          Workspaces.OWNER)));
      ensured.changes().forEach(c -> err.println("layercache: workspace " + name + ": " + c));
      ensured.warnings().forEach(w -> err.println("layercache: " + w));
      err.flush();
      WorkspaceInfo ws = ensured.info();
      if (cli.output == LayercacheCommand.Output.json) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", name);
        json.put("image", record.reference());
        json.put("mergedPath", ws.layout().merged().toString());
        json.put("upperPath", ws.layout().upper().toString());
        json.put("workPath", ws.layout().work().toString());
        Json.print(out, "Workspace", json);
      } else {
        out.println(ws.layout().merged());
        out.flush();
      }
    }
    return 0;
  }

  /** The flag if given, else the existing workspace's setting, else off. */
  private static boolean setting(Boolean flag, Optional<Boolean> existing) {
    return flag != null ? flag : existing.orElse(false);
  }
}
