package dev.layercache.agent.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.cli.CliRun;
import dev.layercache.agent.cluster.CriImages;
import dev.layercache.agent.cri.CriImageClient;
import dev.layercache.agent.daemon.DaemonProcess;
import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.MountInfo;
import dev.layercache.oci.Compression;
import dev.layercache.oci.CredentialStore;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.FaultyProxy;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The agent's CRI path with real parts: images warmed into the store by {@code layercache pull} are
 * made present in Debian's containerd 1.6 (snapshotter: the layercache daemon) by {@link CriImages}
 * over containerd's own socket, as the agent does once their layers are on the node. Each registry
 * sits behind a counting proxy; one of them demands basic auth.
 */
class CriPullIT {
  static final String USER = "robot";
  static final String PASSWORD = "s3cret-pull";

  @RegisterExtension static RegistryExtension open = RegistryExtension.anonymous();

  @RegisterExtension
  static RegistryExtension locked = RegistryExtension.withBasicAuth(USER, PASSWORD);

  static Path dir;
  static Path root;
  static FaultyProxy openProxy;
  static FaultyProxy lockedProxy;
  static DaemonProcess daemon;
  static Containerd containerd;
  static CriImageClient runtime;
  static TestImage app;
  static TestImage secret;
  static ImageReference appRef;
  static ImageReference secretRef;
  static String pullSecretPayload;

  @BeforeAll
  static void start() throws Exception {
    Containerd.requireTools();
    dir = Files.createTempDirectory("layercache-cri-pull-");
    root = dir.resolve("store");
    Path socket = dir.resolve("run/snapshotter.sock");
    openProxy = FaultyProxy.start(open.url());
    lockedProxy = FaultyProxy.start(locked.url());

    app =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(new TarBuilder().file("data/hello", "hello\n"), Compression.GZIP)
            .layer(new TarBuilder().file("data/app", "the app\n"), Compression.GZIP)
            .build();
    secret =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(
                new TarBuilder().file("data/private", "only with credentials\n"), Compression.GZIP)
            .build();
    app.push(open.client(), open.reference("team/app:1"));
    secret.push(locked.client(), locked.reference("team/secret:1"));
    appRef = openProxy.reference(open.reference("team/app:1"));
    secretRef = lockedProxy.reference(locked.reference("team/secret:1"));

    // What a kubernetes.io/dockerconfigjson pull secret holds for the locked registry.
    String auth =
        Base64.getEncoder()
            .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    pullSecretPayload =
        "{\"auths\": {\"" + lockedProxy.host() + "\": {\"auth\": \"" + auth + "\"}}}";
    Path dockerConfig = Files.writeString(dir.resolve("docker-config.json"), pullSecretPayload);

    // Warm the store as a LayerCache does, before the daemon (the store's one writer) runs.
    CliRun pull =
        CliRun.in(
            root,
            "--docker-config",
            dockerConfig.toString(),
            "pull",
            appRef.toString(),
            secretRef.toString());
    assertThat(pull.exit()).as("layercache pull: %s", pull.err()).isZero();

    daemon = new DaemonProcess(root, socket, dir.resolve("daemon.log")).start();
    containerd =
        Containerd.start(
            dir.resolve("containerd"),
            socket,
            appRef.toString(),
            List.of(openProxy.host(), lockedProxy.host()));
    runtime = new CriImageClient(containerd.socket(), null);
    // CRI answers "server is not initialized yet" for a moment after containerd's start.
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(() -> runtime.status(appRef.toString()).isEmpty());
  }

  @AfterAll
  static void stop() throws Exception {
    if (runtime != null) {
      runtime.close();
    }
    if (containerd != null) {
      containerd.close();
    }
    if (daemon != null) {
      daemon.close();
    }
    for (FaultyProxy proxy : new FaultyProxy[] {openProxy, lockedProxy}) {
      if (proxy != null) {
        proxy.close();
      }
    }
    if (dir != null) {
      Path logs = Files.createDirectories(Path.of("target", "cri-pull-it"));
      for (Path log :
          List.of(dir.resolve("daemon.log"), dir.resolve("containerd/containerd.log"))) {
        if (Files.exists(log)) {
          Files.copy(log, logs.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      if (MountInfo.read().stream().noneMatch(m -> m.target().startsWith(dir))) {
        DirFd.deleteTree(dir);
      }
    }
  }

  /** The agent's collaborator, reading the pull secrets' credentials with {@code credentials}. */
  static CriImages agentImages(CriImages.Credentials credentials) {
    return new CriImages(runtime, credentials, Clock.systemUTC(), () -> {});
  }

  static CriImages.Report presentOrFailed(CriImages images, TestImage image, ImageReference ref) {
    images.offer(
        List.of(new CriImages.WarmImage(ref.toString(), image.digest().toString(), List.of())));
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> images.report().present() + images.report().failures().size() == 1);
    return images.report();
  }

  static long layerDownloads(FaultyProxy proxy, TestImage image) {
    Set<String> layers =
        image.layerDescriptors().stream()
            .map(d -> d.digest().toString())
            .collect(Collectors.toSet());
    return proxy.requests().stream()
        .filter(r -> r.method().equals("GET"))
        .filter(r -> layers.stream().anyMatch(l -> r.path().endsWith("/blobs/" + l)))
        .count();
  }

  static List<String> layerBlobsInContainerd(TestImage image) throws Exception {
    List<String> layers =
        image.layerDescriptors().stream().map(d -> d.digest().toString()).toList();
    return containerd.contentBlobs().stream().filter(layers::contains).toList();
  }

  @Test
  void aWarmImageBecomesPresentForTheKubeletWithoutALayerDownload() throws Exception {
    openProxy.reset(); // forget what layercache pull fetched
    try (CriImages images = agentImages(secrets -> CredentialStore.empty())) {
      CriImages.Report report = presentOrFailed(images, app, appRef);

      assertThat(report.failures()).isEmpty();
      assertThat(report.present()).isEqualTo(1);
    }
    assertThat(containerd.crictl("images")).contains(appRef.repository());
    assertThat(containerd.crictl("inspecti", "-q", appRef.toString()))
        .contains(app.digest().toString());
    assertThat(layerDownloads(openProxy, app)).as("layer blobs fetched from the registry").isZero();
    assertThat(layerBlobsInContainerd(app))
        .as("layer blobs in containerd's content store")
        .isEmpty();

    // Each layer is now a containerd snapshot on a store layer: df counts what containerd did
    // not store twice, its blob at the registry's size.
    CliRun df = CliRun.in(root, "--output", "json", "df");
    assertThat(df.exit()).as(df.err()).isZero();
    JsonNode perLayer = new ObjectMapper().readTree(df.out()).path("containerd").path("perLayer");
    for (int i = 0; i < app.layers().size(); i++) {
      String diffId = app.diffIds().get(i).toString();
      long blobSize = app.layerDescriptors().get(i).size();
      assertThat(perLayer)
          .as("df's containerd snapshots on store layers")
          .anySatisfy(
              layer -> {
                assertThat(layer.path("diffID").asText()).isEqualTo(diffId);
                assertThat(layer.path("snapshots").asInt()).isEqualTo(1);
                assertThat(layer.path("blobBytes").asLong()).isEqualTo(blobSize);
              });
    }
  }

  @Test
  void aPullSecretsCredentialsReachContainerd() throws Exception {
    lockedProxy.reset();
    try (CriImages anonymous = agentImages(secrets -> CredentialStore.empty())) {
      CriImages.Report refused = presentOrFailed(anonymous, secret, secretRef);

      assertThat(refused.present()).isZero();
      assertThat(refused.failures())
          .singleElement()
          .asString()
          .startsWith(secretRef + ": ")
          .containsIgnoringCase("401");
    }
    assertThat(containerd.crictl("images")).doesNotContain(secretRef.repository());

    lockedProxy.reset();
    // As the agent's PullSecrets reads the secret's payload.
    CredentialStore fromSecret =
        CredentialStore.fromDockerConfigJson(pullSecretPayload.getBytes(StandardCharsets.UTF_8));
    try (CriImages withSecret = agentImages(secrets -> fromSecret)) {
      CriImages.Report report = presentOrFailed(withSecret, secret, secretRef);

      assertThat(report.failures()).isEmpty();
      assertThat(report.present()).isEqualTo(1);
    }
    assertThat(containerd.crictl("images")).contains(secretRef.repository());
    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    assertThat(lockedProxy.requests())
        .as("containerd's requests for the manifest")
        .filteredOn(r -> r.path().contains("/manifests/"))
        .filteredOn(r -> r.header("user-agent").orElse("").contains("containerd"))
        .anySatisfy(r -> assertThat(r.header("authorization")).contains(basic));
    assertThat(layerDownloads(lockedProxy, secret)).isZero();
    assertThat(layerBlobsInContainerd(secret)).isEmpty();
  }
}
