package dev.layercache.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layercache.agent.cri.CriImageClient;
import dev.layercache.agent.cri.FakeImageService;
import dev.layercache.agent.daemon.UnixSocketGrpcServer;
import dev.layercache.api.v1alpha1.Layer;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.oci.CredentialStore;
import dev.layercache.oci.RegistryCredentials;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How the agent makes warm images present in a runtime, against a CRI image service it serves. */
class CriImagesTest {
  static final String APP = "registry.example:5000/team/app:1";
  static final String DIGEST = "sha256:" + "a".repeat(64);

  final FakeImageService runtime = new FakeImageService();
  final AtomicInteger changes = new AtomicInteger();
  final MovableClock clock = new MovableClock();
  Path dir;
  UnixSocketGrpcServer server;
  CriImageClient client;
  CriImages images;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory("layercache-cri-");
    server = UnixSocketGrpcServer.start(dir.resolve("cri.sock"), runtime);
    client = new CriImageClient(server.socket(), null);
    images =
        new CriImages(
            client,
            secrets ->
                CredentialStore.of(
                    Map.of("registry.example:5000", new RegistryCredentials("robot", "s3cret"))),
            clock,
            changes::incrementAndGet);
  }

  @AfterEach
  void stop() throws Exception {
    images.close();
    client.close();
    server.close();
    Files.deleteIfExists(dir.resolve("cri.sock"));
    Files.deleteIfExists(dir);
  }

  List<CriImages.WarmImage> app() {
    return List.of(new CriImages.WarmImage(APP, DIGEST, List.of()));
  }

  void offerUntil(int changesSeen) {
    images.offer(app());
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.get() >= changesSeen);
  }

  @Test
  void aWarmImageIsPulledOnceWithItsCredentialsAndLookedForAgainLater() {
    offerUntil(1);

    assertThat(runtime.pulls())
        .singleElement()
        .satisfies(
            pull -> {
              assertThat(pull.getImage().getImage()).isEqualTo(APP);
              assertThat(pull.getAuth().getUsername()).isEqualTo("robot");
              assertThat(pull.getAuth().getPassword()).isEqualTo("s3cret");
            });
    assertThat(images.report().present()).isEqualTo(1);
    assertThat(images.report().failures()).isEmpty();

    assertThat(images.offer(app())).as("checks started by the next sync").isZero();
    int looks = runtime.statusCalls();
    clock.advance(CriImages.RECHECK.plusSeconds(1));
    assertThat(images.offer(app())).isEqualTo(1); // present still: looked for, not pulled
    await().atMost(Duration.ofSeconds(10)).until(() -> runtime.statusCalls() > looks);
    assertThat(runtime.pulls()).hasSize(1);
  }

  @Test
  void anImageTheRuntimeLostIsPulledAgain() {
    offerUntil(1);
    runtime.remove(APP);

    clock.advance(CriImages.RECHECK.plusSeconds(1));
    offerUntil(2);

    assertThat(runtime.pulls()).hasSize(2);
    assertThat(images.report().present()).isEqualTo(1);
  }

  @Test
  void anImageTheRuntimeHasForTheSameManifestIsNotPulled() {
    runtime.add(APP, DIGEST);

    offerUntil(1);

    assertThat(runtime.pulls()).isEmpty();
    assertThat(images.report().present()).isEqualTo(1);
  }

  @Test
  void aFailedPullIsReportedAndTriedAgainWithBackoff() {
    runtime.failPullsWith(Status.UNKNOWN.withDescription("401 Unauthorized"));
    offerUntil(1);

    CriImages.Report report = images.report();
    assertThat(report.present()).isZero();
    assertThat(report.failures()).containsExactly(APP + ": UNKNOWN: 401 Unauthorized");

    clock.advance(CriImages.FIRST_RETRY.minusSeconds(1));
    assertThat(images.offer(app())).as("tries before the backoff passed").isZero();

    runtime.failPullsWith(null);
    clock.advance(Duration.ofSeconds(2));
    offerUntil(2);
    assertThat(runtime.pulls()).hasSize(2);
    assertThat(images.report().failures()).isEmpty();
    assertThat(images.report().present()).isEqualTo(1);
  }

  @Test
  void aRuntimeThatDoesNotAnswerIsAFailureOfEachImageNotOfTheSync() throws Exception {
    server.close();

    offerUntil(1);

    assertThat(images.report().failures()).singleElement().asString().contains("UNAVAILABLE");
  }

  @Test
  void warmImagesAreThoseWithEveryLayerInTheStoreWithTheirRepositorysSecrets() {
    SecretRef secret = secret("regcred");
    SecretRef other = secret("elsewhere");
    ResolvedImage app = image(APP, "sha256:l0", "sha256:l1");
    ResolvedImage cold = image("registry.example:5000/team/cold:1", "sha256:l0", "sha256:l2");
    List<LayerRef> layers =
        List.of(
            layer("sha256:l0", source("team/app", secret), source("team/other", other)),
            layer("sha256:l1", source("team/app", secret)),
            layer("sha256:l2", source("team/cold", secret)));

    List<CriImages.WarmImage> warm =
        CriImages.warm(List.of(app, cold), layers, Set.of("sha256:l0", "sha256:l1")::contains);

    assertThat(warm).containsExactly(new CriImages.WarmImage(APP, DIGEST, List.of(secret)));
  }

  static ResolvedImage image(String reference, String... diffIds) {
    ResolvedImage image = new ResolvedImage();
    image.setImage(reference);
    image.setDigest(DIGEST);
    image.setLayers(
        java.util.Arrays.stream(diffIds)
            .map(
                d -> {
                  Layer l = new Layer();
                  l.setDiffID(d);
                  return l;
                })
            .toList());
    return image;
  }

  static LayerRef layer(String diffId, LayerSource... sources) {
    LayerRef layer = new LayerRef();
    layer.setDiffID(diffId);
    layer.setSources(List.of(sources));
    return layer;
  }

  static LayerSource source(String repository, SecretRef secret) {
    LayerSource source = new LayerSource();
    source.setRegistry("registry.example:5000");
    source.setRepository(repository);
    source.setPullSecrets(List.of(secret));
    return source;
  }

  static SecretRef secret(String name) {
    SecretRef ref = new SecretRef();
    ref.setNamespace("layercache-system");
    ref.setName(name);
    return ref;
  }

  /** A clock the test moves by hand, so backoff and rechecks need no waiting. */
  static final class MovableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-12-02T12:00:00Z");

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
