package dev.layercache.agent;

import dev.layercache.agent.cli.LayercacheCommand;
import dev.layercache.agent.hash.LibcryptoDigest;
import dev.layercache.oci.Digest;

/** Entry point of the {@code layercache} CLI and the in-cluster agent. */
public final class Main {
  private Main() {}

  /**
   * Starts initialising, on another core, what almost every command needs and what costs a cold JVM
   * most (measured: the default TLS context ~350 ms, Jackson ~250 ms), while the command line is
   * parsed and the store opened.
   */
  private static void warmUpInBackground() {
    Thread warmUp =
        new Thread(
            () -> {
              try {
                javax.net.ssl.SSLContext.getDefault();
                new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"a\":[1]}");
              } catch (Exception ignored) {
                // whatever failed here fails again where it is used, with its context
              }
            },
            "warm-up");
    warmUp.setDaemon(true);
    warmUp.start();
  }

  public static void main(String[] args) {
    // The JDK HTTP client hands a blob over in buffers of this size (default 16 KiB); bigger ones
    // cut its per-buffer overhead several times over on multi-megabyte layers.
    if (System.getProperty("jdk.httpclient.bufsize") == null) {
      System.setProperty("jdk.httpclient.bufsize", String.valueOf(256 << 10));
    }
    Digest.useHashers(LibcryptoDigest.hashersBoundInBackground());
    warmUpInBackground();
    System.exit(LayercacheCommand.run(args));
  }
}
