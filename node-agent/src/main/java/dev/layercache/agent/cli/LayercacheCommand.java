package dev.layercache.agent.cli;

import dev.layercache.agent.hash.LibcryptoDigest;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.StoreBusyException;
import dev.layercache.agent.store.StoreLayout;
import dev.layercache.agent.unpack.LayerCompression;
import dev.layercache.agent.workspace.WorkspaceBusyException;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.oci.InvalidReferenceException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code layercache} command: global options and the subcommands. */
@Command(
    name = "layercache",
    mixinStandardHelpOptions = true,
    versionProvider = LayercacheCommand.Version.class,
    description = "Node-level cache of container image layers and overlay workspaces.")
public final class LayercacheCommand {
  /** The subcommands, in the order help lists them; see {@link #model}. */
  private static final List<Class<?>> SUBCOMMANDS =
      List.of(
          InspectCommand.class,
          AnalyzeCommand.class,
          PullCommand.class,
          ImagesCommand.class,
          LayersCommand.class,
          AgentCommand.class,
          DaemonCommand.class,
          MountCommand.class,
          UmountCommand.class,
          LsCommand.class,
          DfCommand.class,
          GcCommand.class,
          CommitCommand.class,
          ApplyCommand.class,
          DeleteCommand.class,
          CommandLine.HelpCommand.class,
          AutoComplete.GenerateCompletion.class);

  static final int EXIT_FAILED = 1;
  static final int EXIT_BAD_INPUT = 2;
  static final int EXIT_BUSY = 3;

  /** Output formats of every command. */
  public enum Output {
    table,
    json
  }

  @Option(
      names = "--root",
      defaultValue = "/var/lib/layercache",
      description = "Store root (default: ${DEFAULT-VALUE}).",
      scope = CommandLine.ScopeType.INHERIT)
  Path root;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
      scope = CommandLine.ScopeType.INHERIT)
  Output output;

  @CommandLine.Mixin RegistryOptions registry;

  /** The daemon's open store, when this command runs inside the daemon (see runInDaemon). */
  private LayerStore daemonStore;

  /** The daemon's workspace engine, then: one manager per store, so its locks hold. */
  private WorkspaceManager daemonWorkspaces;

  @Option(
      names = {"-q", "--quiet"},
      description = "Print only results and errors: no progress, no notes.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean quiet;

  @Option(
      names = "--no-progress",
      description = "No progress lines (the default when stderr is not a terminal: plain lines).",
      scope = CommandLine.ScopeType.INHERIT)
  boolean noProgress;

  boolean debug;

  @Option(
      names = "--debug",
      description = "Log what is done, and print the full cause of a failure.",
      scope = CommandLine.ScopeType.INHERIT)
  void debug(boolean on) {
    debug = on;
    if (on) {
      // Read by slf4j-simple when the first logger is made, which is after parsing.
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
    }
  }

  /** Where notes (recovery, changes, warnings) go: stderr, or nowhere with --quiet. */
  PrintWriter notes(CommandLine.Model.CommandSpec spec) {
    return quiet ? new PrintWriter(Writer.nullWriter()) : spec.commandLine().getErr();
  }

  /** Whether to show progress at all. */
  boolean progress() {
    return !quiet && !noProgress;
  }

  /** The workspace engine on {@code store}: the daemon's own when this runs inside it. */
  WorkspaceManager workspaces(LayerStore store) {
    return daemonWorkspaces != null ? daemonWorkspaces : Workspaces.manager(store);
  }

  /**
   * Recovers the workspaces after a restart and says what that changed; inside the daemon nothing:
   * it recovered at its start, and recovering again would race with its own work (it would take a
   * workspace being assembled for debris).
   */
  void recover(WorkspaceManager manager, PrintWriter err) throws IOException {
    if (daemonWorkspaces == null) {
      Workspaces.recover(manager, err);
    }
  }

  /**
   * Opens the store at --root to write: creates it if needed and takes the writer lock. A root that
   * cannot be a store is bad input.
   */
  LayerStore openStore() throws IOException {
    checkRoot();
    if (daemonStore != null) {
      if (!daemonStore.layout().root().equals(new StoreLayout(root).root())) {
        throw new BadInputException(
            "this daemon serves " + daemonStore.layout().root() + ", not --root " + root);
      }
      return daemonStore.shared();
    }
    return LayerStore.open(root);
  }

  /** Opens the store at --root to read only: no lock, nothing created; it must exist. */
  LayerStore readStore() {
    checkRoot();
    LayerStore store = LayerStore.openReadOnly(root);
    if (!Files.isDirectory(store.layout().layers())) {
      throw new BadInputException(
          "no layer store at "
              + root
              + " (nothing pulled there yet; pass --root to name another store)");
    }
    return store;
  }

  private void checkRoot() {
    if (root.toString().isEmpty()) {
      throw new BadInputException("--root: must name a directory, got \"\"");
    }
    if (Files.exists(root) && !Files.isDirectory(root)) {
      throw new BadInputException("--root " + root + ": not a directory");
    }
  }

  /**
   * Runs the CLI and returns its exit code: 0 done, 1 failed, 2 bad usage or bad input, 3 busy (the
   * store or a workspace is in use).
   */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs the CLI with its output and errors sent where the caller says. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    LayercacheCommand top = new LayercacheCommand();
    CommandLine cli = configure(model(new CommandLine(top), args), out, err);
    try {
      Optional<Integer> inDaemon = DaemonForwarding.forward(cli, args, out, err);
      if (inDaemon.isPresent()) {
        return inDaemon.get();
      }
    } catch (IOException e) {
      err.println("layercache: " + message(e));
      err.flush();
      return EXIT_FAILED;
    }
    try {
      return cli.execute(args);
    } finally {
      top.registry.closeClients();
    }
  }

  /**
   * Runs a command line the CLI sent to the daemon, on the daemon's store, with relative paths
   * meaning the client's working directory: the same output and exit code as in the CLI's process.
   * Only the commands the CLI forwards run there (never a second daemon inside the daemon).
   */
  public static int runInDaemon(
      LayerStore store,
      WorkspaceManager workspaces,
      List<String> args,
      Path cwd,
      PrintWriter out,
      PrintWriter err) {
    LayercacheCommand top = new LayercacheCommand();
    top.daemonStore = store;
    top.daemonWorkspaces = workspaces;
    String[] line = args.toArray(String[]::new);
    CommandLine cli =
        configure(model(DaemonForwarding.daemonSide(new CommandLine(top)), line), out, err)
            .registerConverter(Path.class, cwd::resolve);
    Optional<String> refused = DaemonForwarding.refusedInDaemon(cli, line);
    if (refused.isPresent()) {
      err.println("layercache: " + refused.get());
      err.flush();
      return EXIT_BAD_INPUT;
    }
    try {
      return cli.execute(line);
    } finally {
      top.registry.closeClients();
    }
  }

  /**
   * The command model of {@code cli}'s line with the subcommand it names only, else with all: help,
   * completion and the usage errors of a line that names none list them. Building the model of
   * every subcommand (reflection over their classes, picocli's own Java 5 classes verified on each
   * start) was about a third of a one-shot command's start-up; one model serves a whole run, since
   * picocli resets every option before it parses a line again.
   */
  static CommandLine model(CommandLine cli, String... args) {
    Class<?> named = null;
    if (args.length > 0) {
      cli.setStopAtPositional(true).setUnmatchedArgumentsAllowed(true);
      try {
        List<String> rest = cli.parseArgs(args).unmatched();
        named = rest.isEmpty() ? null : subcommand(rest.get(0));
      } catch (CommandLine.ParameterException e) {
        // a bad global option: all subcommands, and the ordinary run reports it
      }
      cli.setStopAtPositional(false).setUnmatchedArgumentsAllowed(false);
    }
    if (named != null
        && named != CommandLine.HelpCommand.class
        && named != AutoComplete.GenerateCompletion.class) {
      cli.addSubcommand(named);
    } else {
      SUBCOMMANDS.forEach(cli::addSubcommand);
    }
    return cli;
  }

  private static Class<?> subcommand(String name) {
    for (Class<?> subcommand : SUBCOMMANDS) {
      if (subcommand.getAnnotation(Command.class).name().equals(name)) {
        return subcommand;
      }
    }
    return null;
  }

  private static CommandLine configure(CommandLine cli, PrintWriter out, PrintWriter err) {
    helpEverywhere(cli);
    cli.registerConverter(Path.class, Path.of("")::resolve);
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(LayercacheCommand::handle);
    return cli;
  }

  /** {@code --help} and {@code --version} on every command, not only the top one. */
  private static void helpEverywhere(CommandLine cli) {
    cli.getCommandSpec().mixinStandardHelpOptions(true);
    cli.getSubcommands().values().forEach(LayercacheCommand::helpEverywhere);
  }

  /**
   * Failures are reported once, here: a one-line message naming the object and the cause (also as
   * JSON on stdout with --output json; the whole chain with --debug).
   */
  private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    int exit =
        e instanceof StoreBusyException || e instanceof WorkspaceBusyException
            ? EXIT_BUSY
            : isBadInput(e) ? EXIT_BAD_INPUT : EXIT_FAILED;
    LayercacheCommand root = (LayercacheCommand) cli.getCommandSpec().root().userObject();
    PrintWriter err = cli.getErr();
    err.println("layercache: " + message(e));
    if (root.debug) {
      e.printStackTrace(err);
    }
    err.flush();
    if (root.output == Output.json) {
      Json.error(cli.getOut(), message(e), exit);
    }
    return exit;
  }

  private static boolean isBadInput(Throwable e) {
    return e instanceof InvalidReferenceException
        || e instanceof IllegalArgumentException
        || e instanceof BadInputException;
  }

  private static String message(Throwable e) {
    // The JDK's file errors carry only the path as their message.
    if (e instanceof AccessDeniedException denied) {
      return "permission denied: "
          + denied.getFile()
          + " (the store and mounts need root; or pick a store with --root)";
    }
    if (e instanceof FileSystemException fs && fs.getReason() == null) {
      String kind = e.getClass().getSimpleName().replace("Exception", "");
      return kind
          + ": "
          + fs.getFile()
          + (fs.getOtherFile() == null ? "" : " -> " + fs.getOtherFile());
    }
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.toString() : message;
  }

  /** The release and the commit it was built from, from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      String version = "dev";
      String commit = "unknown";
      try (InputStream in = LayercacheCommand.class.getResourceAsStream("/layercache.properties")) {
        if (in != null) {
          Properties build = new Properties();
          build.load(in);
          version = build.getProperty("version", version);
          commit =
              build.getProperty("commit", commit)
                  + ("true".equals(build.getProperty("dirty")) ? "+changes" : "");
        }
      }
      return new String[] {
        "layercache "
            + version
            + " (commit "
            + commit
            + ", Java "
            + Runtime.version()
            + ", gzip by "
            + LayerCompression.gzipInflater()
            + ", digests by "
            + (LibcryptoDigest.hashers().isPresent() ? "libcrypto" : "the JDK")
            + ")"
      };
    }
  }
}
