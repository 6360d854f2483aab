package dev.layercache.operator.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.kube.PullSecrets;
import dev.layercache.oci.Compression;
import dev.layercache.oci.HttpRegistryClient;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import dev.layercache.operator.support.OperatorMetrics;
import dev.layercache.operator.support.ReconcileProblem;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Workspace placements share a recent resolution of their image, against the real registry. */
class RecentResolutionsTest {
  @RegisterExtension static final RegistryExtension REGISTRY = RegistryExtension.anonymous();

  static final Set<String> AMD64 = Set.of("linux/amd64");

  final AtomicInteger resolutions = new AtomicInteger();
  Instant now = Instant.parse("2026-12-02T10:00:00Z");
  final RecentResolutions recent =
      new RecentResolutions(
          new ManifestResolver(
              credentials -> {
                resolutions.incrementAndGet();
                return new HttpRegistryClient(
                    REGISTRY.configBuilder().credentials(credentials).build());
              },
              new PullSecrets(null, Set.of(), "layercache-system/layercache-operator"),
              new OperatorMetrics(new SimpleMeterRegistry())),
          Duration.ofSeconds(30),
          new Clock() {
            @Override
            public Instant instant() {
              return now;
            }

            @Override
            public ZoneId getZone() {
              return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
              return this;
            }
          });

  static TestImage image(String content) {
    return ImageBuilder.oci(TestImages.AMD64)
        .layer(new TarBuilder().file("app/run", content), Compression.GZIP)
        .build();
  }

  @Test
  void placementsAskingAtOnceShareOneResolution() throws Exception {
    ImageReference ref = REGISTRY.reference("team/burst:1");
    TestImage image = image("burst");
    image.push(REGISTRY.client(), ref);

    ExecutorService placements = Executors.newFixedThreadPool(8);
    List<Future<List<ResolvedImage>>> answers = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      answers.add(
          placements.submit(
              () -> recent.resolve("overlayworkspace", ref.toString(), AMD64, List.of())));
    }
    for (Future<List<ResolvedImage>> answer : answers) {
      assertThat(answer.get())
          .singleElement()
          .satisfies(r -> assertThat(r.getDigest()).isEqualTo(image.digest().toString()));
    }
    placements.shutdown();
    assertThat(resolutions).hasValue(1);
  }

  @Test
  void aMovedTagIsSeenOnceTheResolutionIsOlderThanItsMaxAge() throws Exception {
    ImageReference ref = REGISTRY.reference("team/moving:1");
    image("first").push(REGISTRY.client(), ref);
    recent.resolve("overlayworkspace", ref.toString(), AMD64, List.of());
    TestImage second = image("second");
    second.push(REGISTRY.client(), ref);

    now = now.plusSeconds(10);
    assertThat(
            recent.resolve("overlayworkspace", ref.toString(), AMD64, List.of()).get(0).getDigest())
        .as("within 30 s: the earlier resolution")
        .isNotEqualTo(second.digest().toString());
    now = now.plusSeconds(30);
    assertThat(
            recent.resolve("overlayworkspace", ref.toString(), AMD64, List.of()).get(0).getDigest())
        .isEqualTo(second.digest().toString());
    assertThat(resolutions).hasValue(2);
  }

  @Test
  void aFailedResolutionIsNotKept() throws Exception {
    ImageReference ref = REGISTRY.reference("team/later:1");
    assertThatThrownBy(() -> recent.resolve("overlayworkspace", ref.toString(), AMD64, List.of()))
        .isInstanceOf(ReconcileProblem.class);

    TestImage image = image("later");
    image.push(REGISTRY.client(), ref);
    assertThat(
            recent.resolve("overlayworkspace", ref.toString(), AMD64, List.of()).get(0).getDigest())
        .isEqualTo(image.digest().toString());
  }
}
