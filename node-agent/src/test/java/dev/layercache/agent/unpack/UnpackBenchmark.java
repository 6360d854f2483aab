package dev.layercache.agent.unpack;

import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.Syscalls;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Not a test: {@code java -cp ... UnpackBenchmark DIR} times unpacking a generated ~200 MB layer
 * (many small files, a few big ones) and the two gzip readers.
 */
public final class UnpackBenchmark {
  private UnpackBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "/var/tmp/layercache-bench");
    Files.createDirectories(dir);
    Path tar = dir.resolve("layer.tar");
    Path gz = dir.resolve("layer.tar.gz");
    if (!Files.exists(gz)) {
      generate(tar, gz);
    }
    byte[] tarBytes = Files.readAllBytes(tar);
    byte[] gzBytes = Files.readAllBytes(gz);
    double mb = tarBytes.length / 1e6;
    System.out.printf("layer: %.1f MB tar, %.1f MB gzip%n", mb, gzBytes.length / 1e6);
    for (int run = 0; run < 3; run++) {
      long t0 = System.nanoTime();
      long n = drain(new GZIPInputStream(new ByteArrayInputStream(gzBytes), 256 * 1024));
      long t1 = System.nanoTime();
      long m = drain(LayerCompression.GZIP.open(new ByteArrayInputStream(gzBytes)));
      long t2 = System.nanoTime();
      long k =
          drain(
              GzipCompressorInputStream.builder()
                  .setInputStream(new ByteArrayInputStream(gzBytes))
                  .setDecompressConcatenated(true)
                  .get());
      long t3 = System.nanoTime();
      System.out.printf(
          "gunzip: java.util.zip %.0f MB/s, commons-compress (buffered) %.0f MB/s,"
              + " commons-compress (unbuffered) %.0f MB/s%n",
          n * 1e3 / (t1 - t0), m * 1e3 / (t2 - t1), k * 1e3 / (t3 - t2));
    }
    for (int run = 0; run < 3; run++) {
      Path target = dir.resolve("out");
      DirFd.deleteTree(target);
      Files.createDirectory(target);
      Syscalls.syncfs(dir); // start each run with no dirty pages from the last one
      long t0 = System.nanoTime();
      UnpackResult result =
          new LayerUnpacker().unpack(new ByteArrayInputStream(tarBytes), target, "bench");
      long t1 = System.nanoTime();
      DirFd.deleteTree(target);
      Files.createDirectory(target);
      Syscalls.syncfs(dir);
      long t2 = System.nanoTime();
      try (InputStream in = LayerCompression.GZIP.open(new ByteArrayInputStream(gzBytes))) {
        DiffIdInputStream digesting = new DiffIdInputStream(in, "sha256:" + "0".repeat(64));
        new LayerUnpacker().unpack(digesting, target, "bench");
      }
      long t3 = System.nanoTime();
      System.out.printf(
          "unpack %d entries: tar %.0f MB/s (%.2f s); gzip+sha256+tar %.0f MB/s (%.2f s)%n",
          result.entries(),
          mb * 1e9 / (t1 - t0),
          (t1 - t0) / 1e9,
          mb * 1e9 / (t3 - t2),
          (t3 - t2) / 1e9);
    }
  }

  private static long drain(InputStream in) throws IOException {
    byte[] buf = new byte[256 * 1024];
    long total = 0;
    for (int n; (n = in.read(buf)) >= 0; ) {
      total += n;
    }
    return total;
  }

  /** ~20k small files in ~1k directories (80 MB) plus 10 files of 12 MB; about 2x compressible. */
  private static void generate(Path tar, Path gz) throws IOException {
    Random random = new Random(42);
    byte[] text = new byte[1 << 20];
    for (int i = 0; i < text.length; i++) {
      text[i] = (byte) ("abcdefghij klmnop\n".charAt(random.nextInt(18)));
    }
    try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(tar));
        TarArchiveOutputStream out = new TarArchiveOutputStream(file)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (int d = 0; d < 1000; d++) {
        TarArchiveEntry dir = new TarArchiveEntry("usr/lib/pkg" + d + "/");
        out.putArchiveEntry(dir);
        out.closeArchiveEntry();
        for (int f = 0; f < 20; f++) {
          int size = 256 + random.nextInt(7700);
          write(out, "usr/lib/pkg" + d + "/file" + f + ".py", size, text, random);
        }
      }
      for (int b = 0; b < 10; b++) {
        write(out, "usr/lib/big/lib" + b + ".so", 12 << 20, text, random);
      }
    }
    try (InputStream in = Files.newInputStream(tar);
        OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz), 1 << 16)) {
      in.transferTo(out);
    }
  }

  private static void write(
      TarArchiveOutputStream out, String name, int size, byte[] text, Random random)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(size);
    out.putArchiveEntry(entry);
    byte[] noise = new byte[4096];
    for (int left = size; left > 0; ) {
      int n = Math.min(left, 4096);
      if (random.nextInt(5) == 0) {
        random.nextBytes(noise);
        out.write(noise, 0, n);
      } else {
        out.write(text, random.nextInt(text.length - n), n);
      }
      left -= n;
    }
    out.closeArchiveEntry();
  }
}
