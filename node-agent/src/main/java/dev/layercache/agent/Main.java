package dev.layercache.agent;

import dev.layercache.agent.cli.LayercacheCommand;

/** Entry point of the {@code layercache} CLI and the in-cluster agent. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(LayercacheCommand.run(args));
  }
}
