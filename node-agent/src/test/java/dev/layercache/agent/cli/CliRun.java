package dev.layercache.agent.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** One run of the CLI in this JVM, as a user would see it: exit code, stdout, stderr. */
public record CliRun(int exit, String out, String err) {

  /** {@code layercache ARGS...}. */
  public static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = LayercacheCommand.run(new PrintWriter(out), new PrintWriter(err), args);
    return new CliRun(exit, out.toString(), err.toString());
  }

  /** {@code layercache --root ROOT ARGS...}. */
  public static CliRun in(Path root, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--root";
    all[1] = root.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return of(all);
  }
}
