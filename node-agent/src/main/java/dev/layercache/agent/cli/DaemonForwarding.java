package dev.layercache.agent.cli;

import dev.layercache.agent.daemon.LocalApi;
import dev.layercache.agent.store.StoreLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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

  /**
   * Why the daemon does not run this command line for a client, or empty when it does: a writer
   * command, or a line that does not parse (the ordinary run reports the usage error).
   */
  static Optional<String> refusedInDaemon(CommandLine cli, String[] args) {
    CommandLine.ParseResult sub;
    try {
      sub = cli.parseArgs(args).subcommand();
    } catch (CommandLine.ParameterException e) {
      return Optional.empty();
    }
    String name = sub == null ? null : sub.commandSpec().name();
    if (name != null && WRITERS.contains(name)) {
      return Optional.empty();
    }
    return Optional.of(
        "the daemon runs only "
            + String.join(", ", new TreeSet<>(WRITERS))
            + " for a client"
            + (name == null ? "" : "; run " + name + " without the daemon"));
  }

  /**
   * The exit code of the command run by the daemon, or empty: run it in this process (execute
   * parses the line again: picocli resets every option first).
   */
  static Optional<Integer> forward(CommandLine cli, String[] args, PrintWriter out, PrintWriter err)
      throws IOException {
    LayercacheCommand top = cli.getCommand();
    CommandLine.ParseResult parsed;
    try {
      parsed = cli.parseArgs(args);
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
    return LocalApi.forward(socket, parsed.expandedArgs(), Path.of("").toAbsolutePath(), out, err);
  }

  /**
   * The daemon reads no {@code @file}: the client expanded them where it runs, with its own rights.
   * The daemon would look the name up in its own directory, as root, and {@code @/dev/zero} would
   * never end while every other client waits.
   */
  static CommandLine daemonSide(CommandLine cli) {
    return cli.setExpandAtFiles(false);
  }
}
