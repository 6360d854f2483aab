package dev.layercache.agent.workspace;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.kernel.AtomicFiles;
import dev.layercache.agent.store.LayerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where workspaces live on disk: {@code ROOT/workspaces/NAME/} with its record {@code
 * workspace.json}. Dot-names in that directory are debris of interrupted creates and removals.
 */
final class WorkspaceRecords {
  private static final ObjectMapper JSON = LayerStore.JSON;

  private final Path dir;

  WorkspaceRecords(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  WorkspaceLayout layout(String name) {
    return new WorkspaceLayout(dir.resolve(name));
  }

  Optional<WorkspaceRecord> read(String name) throws IOException {
    try {
      return Optional.of(
          JSON.readValue(Files.readAllBytes(layout(name).record()), WorkspaceRecord.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Replaces the record atomically; durably when the workspace must outlive a crash. */
  static void write(WorkspaceLayout dirs, WorkspaceRecord record, boolean durable)
      throws IOException {
    AtomicFiles.write(dirs.record(), JSON.writeValueAsBytes(record), durable);
  }

  /** Every readable record, by name. */
  List<WorkspaceRecord> all() throws IOException {
    List<WorkspaceRecord> records = new ArrayList<>();
    for (Path entry : entries()) {
      String name = entry.getFileName().toString();
      if (!name.startsWith(".")) {
        read(name).ifPresent(records::add);
      }
    }
    return records;
  }

  /** Every directory here, debris included, sorted. */
  List<Path> entries() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(Files::isDirectory).sorted().toList();
    }
  }
}
