package dev.layercache.agent;

import dev.layercache.agent.cli.LayercacheCommand;

/** Entry point of the {@code layercache} CLI and the in-cluster agent. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // The JDK HTTP client hands a blob over in buffers of this size (default 16 KiB); bigger ones
    // cut its per-buffer overhead several times over on multi-megabyte layers.
    if (System.getProperty("jdk.httpclient.bufsize") == null) {
      System.setProperty("jdk.httpclient.bufsize", String.valueOf(256 << 10));
    }
    System.exit(LayercacheCommand.run(args));
  }
}
