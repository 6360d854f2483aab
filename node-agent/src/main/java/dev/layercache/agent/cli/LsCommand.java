package dev.layercache.agent.cli;

import dev.layercache.agent.workspace.WorkspaceInfo;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code layercache ls}: the workspaces, their state, upper size and merged path. */
@Command(name = "ls", description = "List workspaces: state, upper layer size, merged path.")
final class LsCommand implements Callable<Integer> {
  @ParentCommand LayercacheCommand cli;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<WorkspaceInfo> workspaces = Workspaces.manager(cli.readStore()).list();
    if (cli.output == LayercacheCommand.Output.json) {
      Json.print(out, "WorkspaceList", workspaces.stream().map(LsCommand::describe).toList());
      return 0;
    }
    Table table = new Table("NAME", "IMAGE", "STATE", "RECLAIM", "UPPER", "PODS", "MERGED");
    for (WorkspaceInfo ws : workspaces) {
      table.row(
          ws.record().name(),
          ws.record().image(),
          ws.state(),
          ws.reclaimPolicy(),
          Sizes.upper(ws.upperBytes(), ws.record().sizeLimitBytes()),
          String.valueOf(ws.binds().size()),
          ws.layout().merged());
    }
    table.print(out);
    return 0;
  }

  static Map<String, Object> describe(WorkspaceInfo ws) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", ws.record().name());
    json.put("image", ws.record().image());
    json.put("manifestDigest", ws.record().manifestDigest());
    json.put("state", ws.state());
    json.put("owner", ws.record().owner());
    json.put("reclaimPolicy", ws.reclaimPolicy());
    json.put("volatile", ws.record().volatileUpper());
    json.put("upperBytes", ws.upperBytes());
    json.put("sizeLimitBytes", ws.record().sizeLimitBytes());
    json.put("overSizeLimit", ws.overSizeLimit());
    json.put("mergedPath", ws.layout().merged().toString());
    json.put("upperPath", ws.layout().upper().toString());
    json.put("workPath", ws.layout().work().toString());
    json.put("createdAt", ws.record().createdAt());
    // Where pods see it: binds of its merged view (CSI volumes' target paths).
    json.put("binds", ws.binds().stream().map(Object::toString).toList());
    return json;
  }
}
