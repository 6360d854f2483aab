package dev.layercache.e2e.node;

import dev.layercache.agent.snapshot.StaticTool;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The one program of the test pods' images, {@code /bin/tool}, built here with {@code gcc -static}
 * (no base image, nothing from the internet): {@code tool SRC DST} copies a file of the image into
 * a volume, {@code tool SRC} prints it (the container's log), then either waits for SIGTERM, so a
 * pod that did its work stays Running.
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
        if (argc == 2 || argc == 3) {
          FILE *in = fopen(argv[1], "r");
          if (!in) { perror(argv[1]); return 1; }
          FILE *out = argc == 3 ? fopen(argv[2], "w") : stdout;
          if (!out) { perror(argv[2]); return 1; }
          char buf[4096];
          size_t n;
          while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
          if (fclose(out) != 0) { perror(argc == 3 ? argv[2] : "stdout"); return 1; }
          fclose(in);
        }
        for (;;) pause();
      }
      """;

  static byte[] build(Path dir) throws IOException, InterruptedException {
    return StaticTool.compile(dir, SOURCE);
  }
}
