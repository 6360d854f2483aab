package dev.layercache.agent.cluster;

import dev.layercache.agent.cri.CriImageClient;
import dev.layercache.agent.cri.wire.Image;
import dev.layercache.api.v1alpha1.Layer;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.kube.SecretProblem;
import dev.layercache.oci.CredentialStore;
import dev.layercache.oci.ImageReference;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the images the node has warmed present in the container runtime, as the kubelet would pull
 * them (CRI {@code PullImage}, with the pull secrets' credentials): the kubelet then finds them
 * present, and with layercache as containerd's snapshotter only the manifest and config travel.
 *
 * <p>Each warm image is pulled once per digest; one the runtime already has (same manifest) is not
 * pulled again, and one it lost is. Pulls run on their own small pool, never on the sync thread: a
 * failed or slow pull delays no layer and no other image, is logged and reported ({@link #report}),
 * and is tried again on a later sync, {@link #FIRST_RETRY} after the first failure and twice as
 * long after each next one, up to {@link #LAST_RETRY}.
 */
public final class CriImages implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CriImages.class);

  /** How often an image made present is looked for again (ImageStatus is cheap). */
  static final Duration RECHECK = Duration.ofSeconds(30);

  static final Duration FIRST_RETRY = Duration.ofSeconds(15);
  static final Duration LAST_RETRY = Duration.ofMinutes(5);

  /** An image whose layers are all in the store, and the pull secrets of its repository. */
  public record WarmImage(String reference, String digest, List<SecretRef> pullSecrets) {}

  /**
   * What the runtime has of the warm images.
   *
   * @param failures one line per image whose last pull failed, by reference
   */
  public record Report(String runtime, int warm, int present, List<String> failures) {}

  /** Reads pull secrets into credentials (the agent: {@link RegistryClients#credentials}). */
  @FunctionalInterface
  public interface Credentials {
    CredentialStore of(List<SecretRef> secrets) throws SecretProblem;
  }

  private interface State {
    String digest();
  }

  private record Present(String digest, Instant checkedAt) implements State {}

  private record Failed(String digest, String message, int attempts, Instant at) implements State {
    Instant retryAt() {
      Duration wait = FIRST_RETRY.multipliedBy(1L << Math.min(attempts - 1, 10));
      return at.plus(wait.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : wait);
    }
  }

  private final CriImageClient runtime;
  private final Credentials credentials;
  private final Clock clock;
  private final Runnable changed;
  private final ExecutorService pool =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "agent-cri-pull");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private volatile List<WarmImage> warm = List.of();

  /**
   * @param changed called when an image became present or a pull failed (the agent syncs, so the
   *     status shows it)
   */
  public CriImages(CriImageClient runtime, Credentials credentials, Clock clock, Runnable changed) {
    this.runtime = runtime;
    this.credentials = credentials;
    this.clock = clock;
    this.changed = changed;
  }

  /**
   * The images now warm; starts the checks and pulls that are due and returns at once, with how
   * many it started. Images not offered any more are forgotten (the kubelet's image GC owns the
   * runtime's images).
   */
  public int offer(Collection<WarmImage> images) {
    warm = List.copyOf(images);
    states.keySet().retainAll(warm.stream().map(WarmImage::reference).toList());
    Instant now = clock.instant();
    int started = 0;
    for (WarmImage image : warm) {
      if (due(image, now) && running.add(image.reference())) {
        try {
          pool.execute(() -> converge(image));
          started++;
        } catch (RejectedExecutionException closing) {
          running.remove(image.reference());
        }
      }
    }
    return started;
  }

  /**
   * The spec's images whose layers are all in the store, each with the pull secrets its layers'
   * sources in its own repository name.
   */
  static List<WarmImage> warm(
      List<ResolvedImage> images, List<LayerRef> layers, Predicate<String> inStore) {
    List<WarmImage> warm = new ArrayList<>();
    for (ResolvedImage image : images) {
      if (image.getLayers() == null
          || image.getDigest() == null
          || !image.getLayers().stream().allMatch(l -> inStore.test(l.getDiffID()))) {
        continue;
      }
      ImageReference ref = ImageReference.parse(image.getImage());
      Set<String> diffIds =
          image.getLayers().stream().map(Layer::getDiffID).collect(Collectors.toSet());
      List<SecretRef> secrets =
          layers.stream()
              .filter(l -> diffIds.contains(l.getDiffID()) && l.getSources() != null)
              .flatMap(l -> l.getSources().stream())
              .filter(s -> ref.registry().equals(s.getRegistry()))
              .filter(s -> ref.repository().equals(s.getRepository()))
              .filter(s -> s.getPullSecrets() != null)
              .flatMap(s -> s.getPullSecrets().stream())
              .distinct()
              .toList();
      warm.add(new WarmImage(image.getImage(), image.getDigest(), secrets));
    }
    return warm;
  }

  private boolean due(WarmImage image, Instant now) {
    State state = states.get(image.reference());
    if (state == null || !state.digest().equals(image.digest())) {
      return true;
    }
    Instant next =
        state instanceof Failed f ? f.retryAt() : ((Present) state).checkedAt().plus(RECHECK);
    return !now.isBefore(next);
  }

  private void converge(WarmImage image) {
    String ref = image.reference();
    State before = states.get(ref);
    try {
      Optional<Image> there = runtime.status(ref);
      boolean madeBefore = before instanceof Present p && p.digest().equals(image.digest());
      if (there.isPresent() && (madeBefore || hasManifest(there.get(), image))) {
        states.put(ref, new Present(image.digest(), clock.instant()));
        if (!madeBefore) {
          changed.run();
        }
        return;
      }
      CredentialStore store = credentials.of(image.pullSecrets());
      String id = runtime.pull(ref, store.forRegistry(ImageReference.parse(ref).registry()));
      states.put(ref, new Present(image.digest(), clock.instant()));
      log.info(
          "image {} ({}) is present in the container runtime at {} as {}",
          ref,
          image.digest(),
          runtime.socket(),
          id);
      changed.run();
    } catch (SecretProblem
        | RuntimeException e) { // a StatusRuntimeException is the runtime's answer
      int attempts =
          before instanceof Failed f && f.digest().equals(image.digest()) ? f.attempts() + 1 : 1;
      Failed failed = new Failed(image.digest(), describe(e), attempts, clock.instant());
      states.put(ref, failed);
      log.warn(
          "CRI pull of image {} at {} failed (attempt {}, next after {}): {}",
          ref,
          runtime.socket(),
          attempts,
          failed.retryAt(),
          failed.message());
      changed.run();
    } finally {
      running.remove(ref);
    }
  }

  /** The runtime's image was pulled for this very manifest (a moved tag is pulled again). */
  private static boolean hasManifest(Image image, WarmImage warm) {
    return image.getRepoDigestsList().stream().anyMatch(d -> d.endsWith("@" + warm.digest()));
  }

  private static String describe(Exception e) {
    if (e instanceof StatusRuntimeException s) {
      return s.getStatus().getCode()
          + (s.getStatus().getDescription() == null ? "" : ": " + s.getStatus().getDescription());
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  /** The warm images as last offered: how many the runtime has, and the failed pulls. */
  public Report report() {
    int present = 0;
    List<String> failures = new ArrayList<>();
    List<WarmImage> byReference =
        warm.stream().sorted(Comparator.comparing(WarmImage::reference)).toList();
    for (WarmImage image : byReference) {
      State state = states.get(image.reference());
      if (state == null || !state.digest().equals(image.digest())) {
        continue;
      }
      if (state instanceof Failed f) {
        failures.add(image.reference() + ": " + f.message());
      } else {
        present++;
      }
    }
    return new Report(runtime.socket().toString(), warm.size(), present, failures);
  }

  @Override
  public void close() throws InterruptedException {
    pool.shutdownNow();
    pool.awaitTermination(10, TimeUnit.SECONDS);
  }
}
