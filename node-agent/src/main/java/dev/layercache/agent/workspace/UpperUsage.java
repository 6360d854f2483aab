package dev.layercache.agent.workspace;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * Measures an upper layer: the bytes of its regular files (a hard-linked file once), the same
 * measure as a layer's unpacked size, so the two add up. One walk without following symlinks; files
 * that vanish during the walk are skipped.
 */
public final class UpperUsage {
  private UpperUsage() {}

  public static long bytes(Path upper) throws IOException {
    if (!Files.isDirectory(upper)) {
      return 0;
    }
    long[] total = {0};
    Set<Object> seen = new HashSet<>();
    Files.walkFileTree(
        upper,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (attrs.isRegularFile() && (attrs.fileKey() == null || seen.add(attrs.fileKey()))) {
              total[0] += attrs.size();
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException || e instanceof AccessDeniedException) {
              return FileVisitResult
                  .CONTINUE; // gone meanwhile, or not ours to read (df as non-root)
            }
            throw e;
          }
        });
    return total[0];
  }
}
