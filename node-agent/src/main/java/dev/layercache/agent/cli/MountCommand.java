package dev.layercache.agent.cli;

import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.PullListener;
import dev.layercache.agent.workspace.WorkspaceInfo;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.agent.workspace.WorkspaceRequest;
import dev.layercache.oci.Platform;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
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
        "Create workspace NAME: a writable overlay of IMAGE (pulled if missing). Prints the merged"
            + " path.")
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

  @Option(
      names = "--retain",
      description = "Keep the upper layer on umount (and never mount it volatile).")
  boolean retain;

  @Option(names = "--allow-setuid", description = "Mount without nosuid.")
  boolean allowSetuid;

  @Option(names = "--allow-devices", description = "Mount without nodev.")
  boolean allowDevices;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (LayerStore store = LayerStore.open(cli.root)) {
      WorkspaceManager manager = Workspaces.manager(store);
      Workspaces.recover(manager, err);
      ImageRecord record =
          Workspaces.ensureImage(
              store,
              cli.registry.client(),
              image,
              platform == null ? Platform.host() : Platform.parse(platform),
              PullListener.NONE);
      WorkspaceInfo ws =
          Workspaces.badInputAware(
              () ->
                  manager.create(
                      new WorkspaceRequest(
                          name, record, retain, allowSetuid, allowDevices, null, "cli")));
      if (cli.output == LayercacheCommand.Output.json) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", name);
        json.put("image", record.reference());
        json.put("mergedPath", ws.layout().merged().toString());
        json.put("upperPath", ws.layout().upper().toString());
        json.put("workPath", ws.layout().work().toString());
        Json.print(out, json);
      } else {
        out.println(ws.layout().merged());
        out.flush();
      }
    }
    return 0;
  }
}
