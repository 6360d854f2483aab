package dev.layercache.agent.snapshot;

import dev.layercache.agent.kernel.RootRequired;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The one program the test images hold, as {@code /bin/sh}, built here with {@code gcc -static}
 * (nothing from the internet): with no arguments it pauses until SIGTERM (the pod sandbox); else it
 * prints the files it is given and writes {@code --write FILE TEXT}.
 */
public final class StaticTool {
  private StaticTool() {}

  private static final String SOURCE =
      """
      #include <signal.h>
      #include <stdio.h>
      #include <string.h>
      #include <unistd.h>
      static void stop(int s) { (void)s; _exit(0); }
      int main(int argc, char **argv) {
        if (argc == 1) {
          signal(SIGTERM, stop);
          signal(SIGINT, stop);
          for (;;) pause();
        }
        for (int i = 1; i < argc; i++) {
          if (strcmp(argv[i], "--write") == 0 && i + 2 < argc) {
            FILE *f = fopen(argv[i + 1], "w");
            if (!f) { perror(argv[i + 1]); return 1; }
            fputs(argv[i + 2], f);
            fclose(f);
            i += 2;
            continue;
          }
          FILE *f = fopen(argv[i], "r");
          if (!f) { perror(argv[i]); return 1; }
          char buf[4096];
          size_t n;
          while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
          fclose(f);
        }
        fflush(stdout);
        return 0;
      }
      """;

  public static byte[] build(Path dir) throws IOException, InterruptedException {
    return compile(dir, SOURCE);
  }

  /** A C program compiled with {@code gcc -static} in {@code dir}: the binary's bytes. */
  public static byte[] compile(Path dir, String source) throws IOException, InterruptedException {
    RootRequired.require(
        Files.isExecutable(Path.of("/usr/bin/gcc")),
        "gcc is missing (apt-get install gcc libc6-dev)");
    Path file = dir.resolve("tool.c");
    Path binary = dir.resolve("tool");
    Files.writeString(file, source);
    Process gcc =
        new ProcessBuilder(
                "/usr/bin/gcc", "-static", "-O2", "-o", binary.toString(), file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(gcc.getInputStream().readAllBytes());
    if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
      throw new IOException("gcc -static failed: " + out);
    }
    return Files.readAllBytes(binary);
  }
}
