package dev.layercache.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Writes a stream to a file crash-safely: temp file, fsync, rename, fsync the directory. */
final class BlobFiles {
  private BlobFiles() {}

  static void write(InputStream content, Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".partial");
    boolean done = false;
    try (InputStream in = content;
        FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      OutputStream sink = Channels.newOutputStream(out);
      in.transferTo(sink);
      out.force(true);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      done = true;
    } finally {
      if (!done) {
        Files.deleteIfExists(temp);
      }
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
