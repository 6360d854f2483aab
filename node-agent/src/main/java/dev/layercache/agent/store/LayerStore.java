package dev.layercache.agent.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.layercache.agent.kernel.AtomicFiles;
import dev.layercache.agent.kernel.DirFd;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The node's content-addressed layer store: layers keyed by diffID, image records keyed by
 * reference. Crash-safe by construction: everything is written under {@code staging/}, synced, and
 * renamed into place, so a reader sees a whole layer or none.
 */
public final class LayerStore implements Closeable {
  /** How the store writes its records, and how the CLI prints JSON: indented, ISO-8601 dates. */
  public static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private final StoreLayout layout;
  private final FileChannel lockChannel;
  private final FileLock lock;

  /** Pins and evictions take turns, across the handles of one writer (see {@link #shared}). */
  private final Object pinsAndEvictions;

  private LayerStore(
      StoreLayout layout, FileChannel lockChannel, FileLock lock, Object pinsAndEvictions) {
    this.layout = layout;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.pinsAndEvictions = pinsAndEvictions;
  }

  /**
   * Opens the store for writing: creates it if needed, takes the writer lock, and clears what a
   * crashed writer left in staging.
   */
  public static LayerStore open(Path root) throws IOException {
    StoreLayout layout = new StoreLayout(root);
    Files.createDirectories(layout.layers());
    Files.createDirectories(layout.images());
    FileChannel channel =
        FileChannel.open(layout.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException sameProcess) {
      lock = null; // this JVM holds it already
    }
    if (lock == null) {
      channel.close();
      throw new StoreBusyException(
          "store " + layout.root() + " is in use by another layercache process (lock held)");
    }
    Path staging = layout.staging();
    if (Files.exists(staging)) {
      DirFd.deleteTree(staging);
    }
    Files.createDirectories(staging);
    for (Path dir : List.of(layout.images(), layout.pins())) {
      for (Path temp : dotNames(dir)) {
        Files.deleteIfExists(temp);
      }
    }
    return new LayerStore(layout, channel, lock, new Object());
  }

  /** Opens the store to read only: no lock, no cleanup. A missing store reads as empty. */
  public static LayerStore openReadOnly(Path root) {
    return new LayerStore(new StoreLayout(root), null, null, new Object());
  }

  public StoreLayout layout() {
    return layout;
  }

  /** Whether the layer is in the store: its directory appears whole, by rename, or not at all. */
  public boolean has(String diffId) {
    return Files.isDirectory(layout.layerDiff(diffId));
  }

  public Optional<LayerRecord> layer(String diffId) throws IOException {
    Path record = layout.layer(diffId).resolve(StoreLayout.LAYER_RECORD);
    try {
      return Optional.of(JSON.readValue(Files.readAllBytes(record), LayerRecord.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  public List<LayerRecord> layers() throws IOException {
    List<LayerRecord> records = new ArrayList<>();
    for (Path dir : list(layout.layers())) {
      Path record = dir.resolve(StoreLayout.LAYER_RECORD);
      if (Files.exists(record)) {
        records.add(JSON.readValue(Files.readAllBytes(record), LayerRecord.class));
      }
    }
    return records;
  }

  /** A fresh, empty directory under staging for one download and unpack. */
  public Path newStagingDir() throws IOException {
    requireWriter();
    return Files.createDirectory(layout.staging().resolve(UUID.randomUUID().toString()));
  }

  /**
   * Moves a staged layer into the store. {@code staged} holds the unpacked tree in {@code diff/};
   * the caller has verified its diffID. If the layer is already there, that copy wins and the
   * staged one is removed.
   */
  public LayerRecord commit(Path staged, LayerRecord record) throws IOException {
    requireWriter();
    AtomicFiles.write(staged.resolve(StoreLayout.LAYER_RECORD), JSON.writeValueAsBytes(record));
    Path target = layout.layer(record.diffId());
    try {
      Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException alreadyThere) {
      DirFd.deleteTree(staged);
      return layer(record.diffId()).orElse(record);
    }
    AtomicFiles.fsyncDirectory(layout.layers());
    return record;
  }

  public void saveImage(ImageRecord image) throws IOException {
    requireWriter();
    AtomicFiles.write(layout.image(recordKey(image.reference())), JSON.writeValueAsBytes(image));
  }

  public Optional<ImageRecord> image(String reference) throws IOException {
    try {
      return Optional.of(
          JSON.readValue(
              Files.readAllBytes(layout.image(recordKey(reference))), ImageRecord.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  public List<ImageRecord> images() throws IOException {
    List<ImageRecord> images = new ArrayList<>();
    for (Path file : list(layout.images())) {
      images.add(JSON.readValue(Files.readAllBytes(file), ImageRecord.class));
    }
    return images;
  }

  /** Records that a workspace uses these layers now (the LRU clock of GC). */
  public void markUsed(Iterable<String> diffIds, Instant now) throws IOException {
    FileTime time = FileTime.from(now);
    for (String diffId : diffIds) {
      Path marker = layout.layer(diffId).resolve(StoreLayout.LAYER_LAST_USED);
      try {
        if (!Files.exists(marker)) {
          Files.createFile(marker);
        }
        Files.setLastModifiedTime(marker, time);
      } catch (NoSuchFileException e) {
        // the layer is not in the store: nothing to mark
      }
    }
  }

  /** When a workspace last used the layer, or when it was stored if none ever did. */
  public Instant lastUsed(LayerRecord layer) throws IOException {
    Path marker = layout.layer(layer.diffId()).resolve(StoreLayout.LAYER_LAST_USED);
    try {
      return Files.getLastModifiedTime(marker).toInstant();
    } catch (NoSuchFileException e) {
      return layer.createdAt();
    }
  }

  /**
   * Removes a layer unless a pin holds it (checked here, under the same lock as {@link #pin}, so a
   * pin written after GC planned still wins): renamed into staging first (so it vanishes at once
   * and a crash leaves only staging debris, cleared at the next start), then deleted. Image records
   * that need the layer are removed too, since those images are no longer complete.
   *
   * @return whether the layer was removed (false: pinned, or not there)
   */
  public boolean evict(String diffId) throws IOException {
    requireWriter();
    synchronized (pinsAndEvictions) {
      if (pins().stream().anyMatch(p -> p.diffIds().contains(diffId))) {
        return false;
      }
      for (ImageRecord image : images()) {
        if (image.layers().stream().anyMatch(l -> l.diffId().equals(diffId))) {
          Files.deleteIfExists(layout.image(recordKey(image.reference())));
        }
      }
      Path doomed = layout.staging().resolve("evicted-" + UUID.randomUUID());
      try {
        Files.move(layout.layer(diffId), doomed, StandardCopyOption.ATOMIC_MOVE);
      } catch (NoSuchFileException e) {
        return false;
      }
      AtomicFiles.fsyncDirectory(layout.layers());
      DirFd.deleteTree(doomed);
      return true;
    }
  }

  /** Writes (or replaces) the pin of {@code pin.owner()}. */
  public void pin(Pin pin) throws IOException {
    requireWriter();
    synchronized (pinsAndEvictions) {
      Files.createDirectories(layout.pins());
      AtomicFiles.write(
          layout.pins().resolve(recordKey(pin.owner()) + ".json"), JSON.writeValueAsBytes(pin));
    }
  }

  /** Removes the pin of an owner; true if there was one. */
  public boolean unpin(String owner) throws IOException {
    requireWriter();
    return Files.deleteIfExists(layout.pins().resolve(recordKey(owner) + ".json"));
  }

  public List<Pin> pins() throws IOException {
    List<Pin> pins = new ArrayList<>();
    for (Path file : list(layout.pins())) {
      pins.add(JSON.readValue(Files.readAllBytes(file), Pin.class));
    }
    return pins;
  }

  public Optional<Pin> pin(String owner) throws IOException {
    try {
      return Optional.of(
          JSON.readValue(
              Files.readAllBytes(layout.pins().resolve(recordKey(owner) + ".json")), Pin.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * Leftovers of interrupted writes: everything under staging (a pull, commit or eviction cut
   * short, or one in progress in another process) and temp files of records. Opening the store to
   * write clears them.
   */
  public List<Path> debris() throws IOException {
    List<Path> debris = new ArrayList<>();
    if (Files.isDirectory(layout.staging())) {
      try (Stream<Path> entries = Files.list(layout.staging())) {
        entries.sorted().forEach(debris::add);
      }
    }
    for (Path dir : List.of(layout.images(), layout.pins())) {
      debris.addAll(dotNames(dir));
    }
    return debris;
  }

  /**
   * This writer's store for another part of the same process (a CLI command the daemon runs): it
   * writes under the same lock, and closing it keeps the lock.
   */
  public LayerStore shared() {
    requireWriter();
    return new LayerStore(layout, null, lock, pinsAndEvictions);
  }

  /** Whether this handle may write (it holds the writer lock). */
  public boolean writable() {
    return lock != null;
  }

  @Override
  public void close() throws IOException {
    if (lockChannel != null) {
      lock.release();
      lockChannel.close();
    }
  }

  private void requireWriter() {
    if (lock == null) {
      throw new IllegalStateException("store " + layout.root() + " was opened read-only");
    }
  }

  private static List<Path> dotNames(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(p -> p.getFileName().toString().startsWith(".")).toList();
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      // Dot-names are an interrupted write's temp files.
      return entries.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  /** A file name for an image record: the hex SHA-256 of the reference. */
  static String recordKey(String reference) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(reference.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
