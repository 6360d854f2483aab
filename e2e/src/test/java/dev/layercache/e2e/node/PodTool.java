package dev.layercache.e2e.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The one program of the test pods' images, {@code /bin/tool}, built here with {@code gcc -static}
 * (no base image, nothing from the internet): {@code tool SRC DST} copies a file of the image into
 * a volume, then waits for SIGTERM, so a pod that did its work stays Running.
 */
final class PodTool {
  private PodTool() {}

  private static final String SOURCE =
      """
      #include <signal.h>
      #include <stdio.h>
      #include <unistd.h>
      static void stop(int s) { (void)s; _exit(0); }
      int main(int argc, char **argv) {
        signal(SIGTERM, stop);
        signal(SIGINT, stop);
        if (argc == 3) {
          FILE *in = fopen(argv[1], "r");
          if (!in) { perror(argv[1]); return 1; }
          FILE *out = fopen(argv[2], "w");
          if (!out) { perror(argv[2]); return 1; }
          char buf[4096];
          size_t n;
          while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
          if (fclose(out) != 0) { perror(argv[2]); return 1; }
          fclose(in);
        }
        for (;;) pause();
      }
      """;

  static byte[] build(Path dir) throws IOException, InterruptedException {
    Path source = dir.resolve("tool.c");
    Path binary = dir.resolve("tool");
    Files.writeString(source, SOURCE);
    Process gcc =
        new ProcessBuilder("gcc", "-static", "-O2", "-o", binary.toString(), source.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(gcc.getInputStream().readAllBytes());
    if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
      throw new IOException("gcc -static failed: " + out);
    }
    return Files.readAllBytes(binary);
  }
}
