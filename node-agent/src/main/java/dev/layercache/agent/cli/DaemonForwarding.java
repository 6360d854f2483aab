package dev.layercache.agent.cli;

import dev.layercache.agent.daemon.LocalApi;
import dev.layercache.agent.store.StoreLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine;

/**
 * While a daemon serves --root, the commands that write the store run in the daemon (it is the
 * store's one writer), through its local API; readers (ls, df, images, layers, inspect) read the
 * store directly, as they do without a daemon.
 */
final class DaemonForwarding {
  private DaemonForwarding() {}

  static final Set<String> WRITERS =
      Set.of("pull", "mount", "umount", "gc", "commit", "apply", "delete");

  /** The exit code of the command run by the daemon, or empty: run it in this process. */
  static Optional<Integer> forward(String[] args, PrintWriter out, PrintWriter err)
      throws IOException {
    LayercacheCommand top = new LayercacheCommand();
    CommandLine.ParseResult parsed;
    try {
      parsed = new CommandLine(top).parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      return Optional.empty(); // reported by the ordinary run
    }
    CommandLine.ParseResult sub = parsed.subcommand();
    if (sub == null
        || !WRITERS.contains(sub.commandSpec().name())
        || sub.isUsageHelpRequested()
        || top.root == null) {
      return Optional.empty();
    }
    Path socket = new StoreLayout(top.root).daemonSocket();
    return LocalApi.forward(socket, List.of(args), Path.of("").toAbsolutePath(), out, err);
  }
}
