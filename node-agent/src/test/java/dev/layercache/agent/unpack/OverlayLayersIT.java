package dev.layercache.agent.unpack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.agent.kernel.RootRequired;
import dev.layercache.agent.kernel.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unpacked layers mounted by the real kernel: whiteouts and opaque directories work. */
class OverlayLayersIT {
  @TempDir Path tmp;

  @Test
  void theMergedViewHonoursWhiteoutsAndOpaqueDirectories() throws Exception {
    RootRequired.assumeOverlayfs();
    Path lower =
        unpack(
            "lower",
            new TarBuilder()
                .file("a/keep", "k")
                .file("a/gone", "g")
                .file("b/old", "o")
                .file("b/sub/x", "x")
                .file("c/old", "o")
                .file("d/replaced", "lower"));
    Path upper =
        unpack(
            "upper",
            new TarBuilder()
                .file("a/.wh.gone", "")
                .file("b/new", "n")
                .file("b/.wh..wh..opq", "")
                .file(".wh.c", "")
                .file("c/new", "n")
                .file("d/replaced", "upper")
                .file("d/.wh.replaced", ""));
    Path merged = Files.createDirectory(tmp.resolve("merged"));

    Syscalls.mount(
        "overlay", merged, "overlay", Syscalls.MS_RDONLY, "lowerdir=" + upper + ":" + lower);
    try {
      assertThat(merged.resolve("a/keep")).hasContent("k");
      assertThat(merged.resolve("a/gone")).doesNotExist();
      assertThat(merged.resolve("b/new")).hasContent("n");
      assertThat(merged.resolve("b/old")).doesNotExist();
      assertThat(merged.resolve("b/sub")).doesNotExist();
      // the same layer's whiteout hides only the lower c, not its own c/new
      assertThat(merged.resolve("c/new")).hasContent("n");
      assertThat(merged.resolve("c/old")).doesNotExist();
      assertThat(merged.resolve("d/replaced")).hasContent("upper");
      try (var names = Files.list(merged.resolve("a"))) {
        assertThat(names.map(p -> p.getFileName().toString())).containsExactly("keep");
      }
    } finally {
      Syscalls.umount(merged, 0);
    }
  }

  private Path unpack(String name, TarBuilder tar) throws IOException {
    Path dir = Files.createDirectory(tmp.resolve(name));
    new LayerUnpacker().unpack(tar.stream(), dir, name);
    return dir;
  }
}
