package dev.layercache.agent.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.kernel.AtomicFiles;
import dev.layercache.agent.store.LayerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The snapshotter's durable records, one JSON file per snapshot under {@code records/}, written as
 * the store writes them ({@link AtomicFiles}: temp file, fsync, rename, fsync of the directory). A
 * record lost to a crash makes containerd unpack the layer again, so a record is on disk before its
 * RPC answers.
 */
final class SnapshotRecords {
  private static final ObjectMapper JSON = LayerStore.JSON;

  private final Path records;

  SnapshotRecords(Path root) throws IOException {
    this.records = Files.createDirectories(root.resolve("records"));
  }

  /**
   * Every record. A commit writes the committed record before it deletes the active one, so a crash
   * between the two leaves both; the committed one wins.
   */
  Map<String, Snapshot> load() throws IOException {
    Map<String, Snapshot> byName = new HashMap<>();
    try (Stream<Path> files = Files.list(records)) {
      for (Path file : files.toList()) {
        if (file.getFileName().toString().startsWith(".")) {
          Files.delete(file); // a temp file a crash left
          continue;
        }
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

  /**
   * The records as they are on disk, for readers beside the snapshotter (df, the agent's status):
   * nothing repaired or removed. A record being replaced or removed meanwhile is left out.
   */
  static List<Snapshot> read(Path snapshotterRoot) throws IOException {
    Path dir = snapshotterRoot.resolve("records");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Snapshot> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        if (file.getFileName().toString().startsWith(".")) {
          continue; // a record being written
        }
        try {
          all.add(JSON.readValue(Files.readAllBytes(file), Snapshot.class));
        } catch (NoSuchFileException removed) {
          // removed since the listing
        }
      }
    }
    return all;
  }

  void save(Snapshot snapshot) throws IOException {
    AtomicFiles.write(records.resolve(fileName(snapshot.name())), JSON.writeValueAsBytes(snapshot));
  }

  void delete(String name) throws IOException {
    try {
      Files.delete(records.resolve(fileName(name)));
    } catch (NoSuchFileException e) {
      return;
    }
    AtomicFiles.fsyncDirectory(records);
  }

  /** Names are containerd's keys (any bytes, slashes included): files are named by their hash. */
  private static String fileName(String name) {
    return ChainId.sha256(name).substring("sha256:".length()) + ".json";
  }
}
