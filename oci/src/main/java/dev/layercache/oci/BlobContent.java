package dev.layercache.oci;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Content to upload; it can be opened more than once, so failed uploads can be retried. */
@FunctionalInterface
public interface BlobContent {
  InputStream open() throws IOException;

  static BlobContent of(byte[] bytes) {
    return () -> new ByteArrayInputStream(bytes);
  }

  static BlobContent of(Path file) {
    return () -> Files.newInputStream(file);
  }
}
