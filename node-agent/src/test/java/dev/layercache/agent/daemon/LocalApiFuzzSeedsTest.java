package dev.layercache.agent.daemon;

import dev.layercache.oci.testing.FuzzSeeds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Seeds of the local API fuzz target: request lines as the CLI sends them (LocalApi.forward). */
class LocalApiFuzzSeedsTest {

  @Test
  void seedsAreTheCliRequestLines() throws IOException {
    Map<String, List<String>> commands = new TreeMap<>();
    commands.put("gc", List.of("--root", "/var/lib/layercache", "gc", "--dry-run"));
    commands.put("gc-json", List.of("--output", "json", "gc", "--high-watermark", "0.8"));
    commands.put("umount", List.of("umount", "notebook", "--keep-upper"));
    commands.put("pull", List.of("pull", "docker.io/library/python:3.12-slim"));
    commands.put("ls", List.of("--root", "/var/lib/layercache", "ls"));
    Map<String, byte[]> seeds = new TreeMap<>();
    commands.forEach(
        (name, args) -> {
          try {
            seeds.put(
                name,
                LocalApi.requestLine(args, Path.of("/home/me")).getBytes(StandardCharsets.UTF_8));
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
    FuzzSeeds.check(LocalApiFuzzTest.class.getName(), "request", seeds);
  }
}
