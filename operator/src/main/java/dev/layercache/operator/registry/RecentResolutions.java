package dev.layercache.operator.registry;

import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.operator.support.ReconcileProblem;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Resolutions for workspace placement, shared for a short while: the same image for the same
 * platforms with the same pull secrets resolves once per {@code maxAge}, and placements asking at
 * the same moment wait for that one resolution. A thousand workspaces of one image cost one
 * registry round trip, not a thousand (each with its own HTTP client). A workspace may so mount
 * what its tag named up to {@code maxAge} ago. Failures are not kept: the next placement asks
 * again.
 */
public final class RecentResolutions {
  private record Key(String image, List<String> platforms, List<SecretRef> pullSecrets) {}

  private record Entry(Instant at, CompletableFuture<List<ResolvedImage>> result) {}

  private final ManifestResolver manifests;
  private final Duration maxAge;
  private final Clock clock;
  private final Map<Key, Entry> recent = new ConcurrentHashMap<>();

  public RecentResolutions(ManifestResolver manifests, Duration maxAge, Clock clock) {
    this.manifests = manifests;
    this.maxAge = maxAge;
    this.clock = clock;
  }

  /** As {@link ManifestResolver#resolve}, for one image. */
  public List<ResolvedImage> resolve(
      String controller, String image, Collection<String> platforms, List<SecretRef> pullSecrets)
      throws ReconcileProblem {
    Key key = new Key(image, List.copyOf(new TreeSet<>(platforms)), List.copyOf(pullSecrets));
    Instant now = clock.instant();
    recent.values().removeIf(e -> e.at().plus(maxAge).isBefore(now)); // few keys: one per image
    CompletableFuture<List<ResolvedImage>> mine = new CompletableFuture<>();
    Entry entry = recent.computeIfAbsent(key, k -> new Entry(now, mine));
    if (entry.result() == mine) {
      try {
        mine.complete(manifests.resolve(controller, List.of(image), key.platforms(), pullSecrets));
      } catch (ReconcileProblem | RuntimeException e) {
        recent.remove(key, entry);
        mine.completeExceptionally(e);
      }
    }
    try {
      return entry.result().get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ReconcileProblem problem) {
        throw problem;
      }
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while resolving " + image, e);
    }
  }
}
