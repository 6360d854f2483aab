package dev.layercache.agent.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.store.LayerStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The snapshotter's durable records, one JSON file per snapshot under {@code records/}, written as
 * the store writes: temp file, fsync, rename, fsync of the directory. A record lost to a crash
 * makes containerd unpack the layer again, so a record is on disk before its RPC answers.
 */
final class SnapshotRecords {
  private static final ObjectMapper JSON = LayerStore.JSON;

  private final Path records;
  private final Path temp;

  SnapshotRecords(Path root) throws IOException {
    this.records = Files.createDirectories(root.resolve("records"));
    this.temp = Files.createDirectories(root.resolve("tmp"));
    try (Stream<Path> leftovers = Files.list(temp)) {
      for (Path file : leftovers.toList()) {
        Files.deleteIfExists(file);
      }
    }
  }

  /**
   * Every record. A commit writes the committed record before it deletes the active one, so a crash
   * between the two leaves both; the committed one wins.
   */
  Map<String, Snapshot> load() throws IOException {
    Map<String, Snapshot> byName = new HashMap<>();
    try (Stream<Path> files = Files.list(records)) {
      for (Path file : files.toList()) {
        Snapshot s = JSON.readValue(Files.readAllBytes(file), Snapshot.class);
        byName.put(s.name(), s);
      }
    }
    Map<String, Snapshot> committedById = new HashMap<>();
    byName.values().stream()
        .filter(s -> s.kind() == Snapshot.Kind.COMMITTED && s.id() != null)
        .forEach(s -> committedById.put(s.id(), s));
    for (Snapshot s : byName.values().stream().toList()) {
      if (s.kind() == Snapshot.Kind.ACTIVE && committedById.containsKey(s.id())) {
        delete(s.name());
        byName.remove(s.name());
      }
    }
    return byName;
  }

  void save(Snapshot snapshot) throws IOException {
    Path target = records.resolve(fileName(snapshot.name()));
    Path staged = temp.resolve(target.getFileName() + "." + UUID.randomUUID());
    try (FileChannel out =
        FileChannel.open(staged, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      out.write(ByteBuffer.wrap(JSON.writeValueAsBytes(snapshot)));
      out.force(true);
    }
    Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    fsync(records);
  }

  void delete(String name) throws IOException {
    try {
      Files.delete(records.resolve(fileName(name)));
    } catch (NoSuchFileException e) {
      return;
    }
    fsync(records);
  }

  private static void fsync(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /** Names are containerd's keys (any bytes, slashes included): files are named by their hash. */
  private static String fileName(String name) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash) + ".json";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
