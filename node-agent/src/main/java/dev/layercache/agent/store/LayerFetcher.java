package dev.layercache.agent.store;

import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.agent.unpack.DiffIdInputStream;
import dev.layercache.agent.unpack.LayerCompression;
import dev.layercache.agent.unpack.LayerUnpacker;
import dev.layercache.agent.unpack.UnpackException;
import dev.layercache.agent.unpack.UnpackResult;
import dev.layercache.oci.Digest;
import dev.layercache.oci.DigestMismatchException;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Layer;
import dev.layercache.oci.RegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * Fetches layers into the store, one pass per layer: network → blob digest → decompress → diffID →
 * tar → staging → rename. Layers of one image are fetched in parallel on the executor; two fetches
 * of the same layer share one download.
 */
public final class LayerFetcher {
  private static final int READ_AHEAD_CHUNK = 256 << 10;
  private static final int READ_AHEAD_CHUNKS = 16;

  private final RegistryClient registry;
  private final LayerStore store;
  private final DiskBudget budget;
  private final ExecutorService executor;
  private final Clock clock;
  private final LayerUnpacker unpacker = new LayerUnpacker();
  private final Map<Digest, CompletableFuture<LayerRecord>> inFlight = new ConcurrentHashMap<>();

  public LayerFetcher(
      RegistryClient registry, LayerStore store, ExecutorService executor, Clock clock) {
    this(registry, store, DiskBudget.defaults(), executor, clock);
  }

  /** {@code budget} stops an unpack that would pass the disk's high watermark. */
  public LayerFetcher(
      RegistryClient registry,
      LayerStore store,
      DiskBudget budget,
      ExecutorService executor,
      Clock clock) {
    this.registry = registry;
    this.store = store;
    this.budget = budget;
    this.executor = executor;
    this.clock = clock;
  }

  /**
   * Fetches one layer of {@code repo} into the store unless it is there; a fetch of the same layer
   * already running is shared.
   */
  public CompletableFuture<LayerRecord> fetch(
      ImageReference repo, Layer layer, PullListener listener) {
    CompletableFuture<LayerRecord> mine = new CompletableFuture<>();
    CompletableFuture<LayerRecord> running = inFlight.putIfAbsent(layer.diffId(), mine);
    if (running != null) {
      return running;
    }
    executor.execute(
        () -> {
          try {
            mine.complete(fetchNow(repo, layer, listener));
          } catch (Throwable e) {
            mine.completeExceptionally(e);
          } finally {
            inFlight.remove(layer.diffId(), mine);
          }
        });
    return mine;
  }

  private LayerRecord fetchNow(ImageReference repo, Layer layer, PullListener listener)
      throws IOException {
    Optional<LayerRecord> present = store.layer(layer.diffId().toString());
    if (present.isPresent()) {
      listener.finished(layer.diffId().toString(), true);
      return present.get();
    }
    String diffId = layer.diffId().toString();
    String label = "image " + repo + " layer " + layer.blob().digest();
    listener.started(diffId, layer.blob().size());
    LayerCompression compression = LayerCompression.forMediaType(layer.blob().mediaType());
    Path staged = store.newStagingDir();
    try {
      Path target = Files.createDirectory(staged.resolve(StoreLayout.LAYER_DIFF));
      UnpackResult unpacked = unpack(repo, layer, compression, target, label, listener);
      Syscalls.syncfs(staged);
      LayerRecord record =
          store.commit(
              staged,
              new LayerRecord(
                  diffId,
                  unpacked.regularFileBytes(),
                  unpacked.entries(),
                  layer.blob().digest().toString(),
                  layer.blob().mediaType(),
                  layer.blob().size(),
                  clock.instant()));
      listener.finished(diffId, false);
      return record;
    } catch (UnpackException e) {
      // It names the image, layer and entry already.
      throw discard(staged, e);
    } catch (IOException | RuntimeException e) {
      throw discard(staged, new LayerPullException(label, e));
    }
  }

  /**
   * One pass over the blob: download, blob digest and decompression run on a read-ahead thread
   * while this thread hashes the tar and writes it to disk. Both digests are checked before it
   * returns.
   */
  private UnpackResult unpack(
      ImageReference repo,
      Layer layer,
      LayerCompression compression,
      Path target,
      String label,
      PullListener listener)
      throws IOException {
    String diffId = layer.diffId().toString();
    InputStream blob =
        registry.openBlob(repo, layer.blob(), (done, total) -> listener.progress(diffId, done));
    InputStream tar;
    try {
      tar = compression.open(blob);
    } catch (IOException | RuntimeException e) {
      blob.close();
      throw e;
    }
    // The read-ahead thread downloads, checks the blob digest and decompresses; this one hashes the
    // tar for the diffID and writes it to disk, so each of the two has about half of the work. The
    // disk budget counts what this thread writes: the read-ahead runs megabytes ahead of the disk.
    ReadAheadInputStream ahead =
        new ReadAheadInputStream(tar, "read " + label, READ_AHEAD_CHUNK, READ_AHEAD_CHUNKS);
    try {
      DiffIdInputStream hashed =
          new DiffIdInputStream(budget.guard(ahead, store.layout().root(), label), diffId);
      UnpackResult unpacked = unpacker.unpack(hashed, target, label);
      hashed.verify(); // reads the rest first: tar padding counts too
      blob.transferTo(OutputStream.nullOutputStream()); // so the blob digest is checked, too
      return unpacked;
    } catch (IOException e) {
      throw ahead.stop() ? blobFaultOr(blob, e) : e;
    } finally {
      if (ahead.stop()) {
        tar.close(); // else the read-ahead thread closes it when it ends
      }
      blob.close();
    }
  }

  /**
   * A corrupted download usually shows first as bad gzip or a bad tar header; reading the rest of
   * the blob tells whether the bytes themselves were wrong, which is the cause worth reporting.
   */
  private static IOException blobFaultOr(InputStream blob, IOException failure) {
    try {
      blob.transferTo(OutputStream.nullOutputStream());
    } catch (DigestMismatchException corrupt) {
      corrupt.addSuppressed(failure);
      return corrupt;
    } catch (IOException ignored) {
      // the original failure is the better description
    }
    return failure;
  }

  /** Removes a failed layer's staging directory; the failure is what the caller hears about. */
  private static IOException discard(Path staged, IOException failure) {
    try {
      DirFd.deleteTree(staged);
    } catch (IOException cleanup) {
      failure.addSuppressed(cleanup);
    }
    return failure;
  }

  /** Waits for a fetch and rethrows its failure as it was thrown. */
  public static LayerRecord await(CompletableFuture<LayerRecord> pull) throws IOException {
    try {
      return pull.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof UncheckedIOException io) {
        throw io.getCause();
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(cause);
    }
  }
}
