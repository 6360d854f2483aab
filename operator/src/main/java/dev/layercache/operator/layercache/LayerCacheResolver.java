package dev.layercache.operator.layercache;

import dev.layercache.api.v1alpha1.GoDuration;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheSpec;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.operator.registry.ManifestResolver;
import dev.layercache.operator.support.ReconcileProblem;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Decides when a LayerCache's images are resolved and resolves them: when the images or platforms
 * changed, every {@code refreshInterval} for tags, and after a failure with exponential backoff.
 */
public final class LayerCacheResolver {
  static final Duration DEFAULT_REFRESH = Duration.ofHours(1);

  private record Attempt(Instant at, long generation, int failures, Resolution result) {}

  private final ManifestResolver manifests;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Map<String, Attempt> attempts = new ConcurrentHashMap<>();

  public LayerCacheResolver(
      ManifestResolver manifests, Duration initialBackoff, Duration maxBackoff) {
    this.manifests = manifests;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
  }

  /** Resolves now if due, else returns the last outcome. */
  public Resolution resolve(LayerCache layerCache, Set<String> platforms, Instant now) {
    String uid = layerCache.getMetadata().getUid();
    Attempt last = attempts.get(uid);
    if (!due(layerCache, platforms, last, now)) {
      return last != null ? last.result() : recorded(layerCache);
    }
    LayerCacheSpec spec = layerCache.getSpec();
    Resolution result;
    try {
      List<ResolvedImage> images =
          manifests.resolve(
              "layercache",
              spec.getImages(),
              platforms.stream().sorted().toList(),
              Objects.requireNonNullElse(spec.getPullSecrets(), List.of()));
      result = new Resolution(images, now.toString(), Optional.empty());
      attempts.put(uid, new Attempt(now, generation(layerCache), 0, result));
    } catch (ReconcileProblem e) {
      Resolution previous = recorded(layerCache);
      result = new Resolution(previous.images(), previous.resolvedAt(), Optional.of(e));
      int failures = last == null || last.failures() == 0 ? 1 : last.failures() + 1;
      attempts.put(uid, new Attempt(now, generation(layerCache), failures, result));
    }
    return result;
  }

  /** How long until the next resolution is due, if one ever is without a spec change. */
  public Optional<Duration> nextAttempt(LayerCache layerCache, Instant now) {
    Attempt last = attempts.get(layerCache.getMetadata().getUid());
    if (last == null) {
      return Optional.empty();
    }
    if (last.failures() > 0) {
      return Optional.of(remaining(last.at().plus(backoff(last.failures())), now));
    }
    return refreshInterval(layerCache).map(i -> remaining(last.at().plus(i), now));
  }

  public void forget(LayerCache layerCache) {
    attempts.remove(layerCache.getMetadata().getUid());
  }

  private boolean due(LayerCache layerCache, Set<String> platforms, Attempt last, Instant now) {
    if (last != null && last.generation() != generation(layerCache)) {
      return true;
    }
    if (last != null && last.failures() > 0) {
      return !now.isBefore(last.at().plus(backoff(last.failures())));
    }
    List<ResolvedImage> images =
        last != null ? last.result().images() : recorded(layerCache).images();
    if (!covers(images, layerCache.getSpec().getImages(), platforms)) {
      return true;
    }
    Instant resolvedAt = last != null ? last.at() : parse(recorded(layerCache).resolvedAt());
    return refreshInterval(layerCache).map(i -> !now.isBefore(resolvedAt.plus(i))).orElse(false);
  }

  /** Whether {@code resolved} holds exactly every wanted image and platform. */
  private static boolean covers(
      List<ResolvedImage> resolved, List<String> images, Set<String> platforms) {
    Set<String> have =
        resolved.stream()
            .map(r -> r.getImage() + " " + r.getPlatform())
            .collect(Collectors.toSet());
    Set<String> want =
        images.stream()
            .flatMap(i -> platforms.stream().map(p -> i + " " + p))
            .collect(Collectors.toSet());
    return have.equals(want);
  }

  /** The refresh interval, when tags are present and refreshing is on. */
  private static Optional<Duration> refreshInterval(LayerCache layerCache) {
    boolean hasTags = layerCache.getSpec().getImages().stream().anyMatch(i -> !i.contains("@"));
    String text = layerCache.getSpec().getRefreshInterval();
    Duration interval = text == null ? DEFAULT_REFRESH : GoDuration.parse(text);
    return hasTags && !interval.isZero() ? Optional.of(interval) : Optional.empty();
  }

  private Duration backoff(int failures) {
    Duration delay = initialBackoff.multipliedBy(1L << Math.min(failures - 1, 20));
    return delay.compareTo(maxBackoff) > 0 ? maxBackoff : delay;
  }

  private static Duration remaining(Instant at, Instant now) {
    Duration d = Duration.between(now, at);
    return d.isNegative() ? Duration.ZERO : d;
  }

  private static Resolution recorded(LayerCache layerCache) {
    LayerCacheStatus status = layerCache.getStatus();
    if (status == null || status.getResolved() == null) {
      return new Resolution(List.of(), null, Optional.empty());
    }
    return new Resolution(status.getResolved(), status.getLastResolveTime(), Optional.empty());
  }

  private static long generation(LayerCache layerCache) {
    return Objects.requireNonNullElse(layerCache.getMetadata().getGeneration(), 0L);
  }

  private static Instant parse(String time) {
    return time == null ? Instant.EPOCH : Instant.parse(time);
  }
}
