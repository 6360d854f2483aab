package dev.layercache.agent.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layercache.agent.cli.CliRun;
import dev.layercache.agent.daemon.DaemonProcess;
import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.MountInfo;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.oci.Compression;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.testing.FaultyProxy;
import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.RegistryExtension;
import dev.layercache.oci.testing.TarBuilder;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * containerd 2.x with a snapshotter per runtime handler, the way out of the bootstrap risk
 * (docs/containerd.md): the default handler (runc on overlayfs) never needs the layercache daemon,
 * the handler {@value Containerd#HANDLER} (runc on the daemon) is what pods opting in with a
 * RuntimeClass get. The containerd 2.x of scripts/test-binaries.sh with its own shim, Debian's
 * runc, crictl for the kubelet's CRI path, the real registry behind a counting proxy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Containerd2RuntimeHandlerIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  /** The sandbox annotation containerd 2.x reads the runtime handler of a pull from. */
  static final String RUNTIME_HANDLER_ANNOTATION = "io.containerd.cri.runtime-handler";

  static Path dir;
  static Path root;
  static Path socket;
  static FaultyProxy proxy;
  static DaemonProcess daemon;
  static Containerd containerd;
  static TestImage app;
  static TestImage system;
  static ImageReference pauseRef;
  static ImageReference appRef;
  static ImageReference systemRef;

  @BeforeAll
  static void start() throws Exception {
    Containerd.requireContainerd2();
    dir = Files.createTempDirectory("layercache-containerd2-");
    root = dir.resolve("store");
    socket = dir.resolve("run/snapshotter.sock");
    proxy = FaultyProxy.start(registry.url());

    byte[] tool = StaticTool.build(Files.createDirectories(dir.resolve("tool")));
    TarBuilder toolLayer = new TarBuilder().directory("bin").file("bin/sh", tool, 0755);
    // The sandbox image has a layer of its own: it comes through the default handler (below), and
    // its blob in containerd's content store must not be one of the app's.
    TestImage pause =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(
                new TarBuilder().directory("bin").file("bin/sh", tool, 0755).file("pause", "\n"),
                Compression.GZIP)
            .build();
    app =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(toolLayer, Compression.GZIP)
            .layer(
                new TarBuilder().directory("data").file("data/hello", "hello from the app layer\n"),
                Compression.GZIP)
            .build();
    // What a system pod (the agent, the operator) would run: never in the store.
    system =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(toolLayer, Compression.GZIP)
            .layer(
                new TarBuilder().directory("data").file("data/system", "a system pod's file\n"),
                Compression.GZIP)
            .build();
    pauseRef = push(pause, "layercache-test/pause:1");
    appRef = push(app, "layercache-test/app:1");
    systemRef = push(system, "layercache-test/system:1");

    cli("pull", appRef.toString());

    daemon = new DaemonProcess(root, socket, dir.resolve("daemon.log")).start();
    containerd =
        Containerd.startV2(
            dir.resolve("containerd"), socket, pauseRef.toString(), List.of(proxy.host()));
    // The sandbox image comes through the default handler, so its blobs stay in containerd's
    // content store and sandboxes of either handler unpack it from there. (An image pulled only
    // for the layercache handler has no layer blobs for overlayfs to unpack.)
    containerd.crictl("pull", pauseRef.toString());
  }

  @AfterAll
  static void stop() throws Exception {
    if (containerd != null) {
      containerd.close();
    }
    if (daemon != null) {
      daemon.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (dir != null) {
      Path logs = Files.createDirectories(Path.of("target", "containerd2-it"));
      for (Path log :
          List.of(dir.resolve("daemon.log"), dir.resolve("containerd/containerd.log"))) {
        if (Files.exists(log)) {
          Files.copy(log, logs.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    if (dir != null && !MountInfo.read().stream().anyMatch(m -> m.target().startsWith(dir))) {
      DirFd.deleteTree(dir);
    }
  }

  static ImageReference push(TestImage image, String name) throws IOException {
    image.push(registry.client(), registry.reference(name));
    return proxy.reference(registry.reference(name));
  }

  static void cli(String... args) {
    CliRun run = CliRun.in(root, args);
    assertThat(run.exit()).as("layercache %s: %s", List.of(args), run.err()).isZero();
  }

  static long blobDownloads(TestImage image) {
    Set<String> layers =
        image.layerDescriptors().stream()
            .map(d -> d.digest().toString())
            .collect(Collectors.toSet());
    return proxy.requests().stream()
        .filter(r -> r.method().equals("GET"))
        .filter(r -> layers.stream().anyMatch(l -> r.path().endsWith("/blobs/" + l)))
        .count();
  }

  static List<String> layerBlobsInContainerd(TestImage image) throws IOException {
    List<String> layers =
        image.layerDescriptors().stream().map(d -> d.digest().toString()).toList();
    return containerd.contentBlobs().stream().filter(layers::contains).toList();
  }

  /** A pod sandbox config (host network); with a handler, the annotation that names it. */
  static Path podConfig(String name, String handler) throws IOException {
    Path logs = Files.createDirectories(dir.resolve("logs").resolve(name));
    String annotations =
        handler == null
            ? ""
            : ",\"annotations\":{\"" + RUNTIME_HANDLER_ANNOTATION + "\":\"" + handler + "\"}";
    Path pod = dir.resolve(name + "-pod.json");
    Files.writeString(
        pod,
        "{\"metadata\":{\"name\":\""
            + name
            + "\",\"namespace\":\"default\",\"uid\":\""
            + name
            + "\"},\"log_directory\":\""
            + logs
            + "\","
            + "\"linux\":{\"security_context\":{\"namespace_options\":{\"network\":2}}}"
            + annotations
            + "}");
    return pod;
  }

  /**
   * Runs a pod on the runtime handler (null: the default one) and one container in it through CRI,
   * as the kubelet does for a pod with that RuntimeClass; returns the container's log.
   */
  static String runInPod(String name, String handler, ImageReference image, String... args)
      throws Exception {
    Path pod = podConfig(name, handler);
    Path ctr = dir.resolve(name + "-ctr.json");
    StringBuilder argv = new StringBuilder();
    for (String a : args) {
      argv.append(argv.isEmpty() ? "" : ",").append('"').append(a).append('"');
    }
    Files.writeString(
        ctr,
        "{\"metadata\":{\"name\":\""
            + name
            + "\"},\"image\":{\"image\":\""
            + image
            + "\"},\"command\":[\"/bin/sh\"],\"args\":["
            + argv
            + "],\"log_path\":\"c.log\"}");
    List<String> runp = new ArrayList<>(List.of("runp"));
    if (handler != null) {
      runp.addAll(List.of("--runtime", handler));
    }
    runp.add(pod.toString());
    String podId = containerd.crictl(runp.toArray(String[]::new));
    String ctrId = containerd.crictl("create", "--no-pull", podId, ctr.toString(), pod.toString());
    containerd.crictl("start", ctrId);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> containerd.crictl("ps", "-a", "-q", "--state", "exited").contains(ctrId));
    return Files.readString(dir.resolve("logs").resolve(name).resolve("c.log"));
  }

  static List<Path> find(Path under, String name) throws IOException {
    if (!Files.isDirectory(under)) {
      return List.of();
    }
    try (Stream<Path> paths = Files.walk(under)) {
      return paths.filter(p -> p.getFileName().toString().equals(name)).toList();
    }
  }

  @Test
  @Order(1)
  void aWarmImagePulledForTheLayercacheHandlerFetchesNoLayerAndItsPodRunsFromTheStore()
      throws Exception {
    proxy.reset(); // forget what layercache pull fetched
    containerd.crictl(
        "pull",
        "--pod-config",
        podConfig("pull", Containerd.HANDLER).toString(),
        appRef.toString());

    assertThat(blobDownloads(app)).as("layer downloads of the warm image").isZero();
    assertThat(layerBlobsInContainerd(app))
        .as("layer blobs in containerd's content store")
        .isEmpty();
    // The labels containerd 2.x sent with each layer's Prepare, as the daemon recorded them: the
    // transfer service adds the CRI ones because the proxy plugin exports
    // enable_remote_snapshot_annotations.
    String top = ContainerdSnapshotterIT.chainIdOf(app);
    Snapshot warm =
        records().stream()
            .filter(s -> top.equals(s.labels().get(Labels.TARGET)))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no snapshot record for " + top));
    assertThat(warm.labels())
        .containsEntry(Labels.CRI_LAYER_DIGEST, app.layerDescriptors().get(1).digest().toString())
        .containsEntry("containerd.io/snapshot/diff-id", app.diffIds().get(1).toString())
        .containsKeys(Labels.CRI_IMAGE_REF, Labels.CRI_MANIFEST_DIGEST);

    String log =
        runInPod(
            "warm",
            Containerd.HANDLER,
            appRef,
            "/data/hello",
            "--write",
            "/written",
            "by the container");
    assertThat(log).contains("hello from the app layer");
    // The container's rootfs came from the daemon: its write is in the daemon's own upper dir,
    // never in a store layer, and containerd's overlayfs snapshotter holds no copy of the image.
    assertThat(find(root.resolve("snapshots"), "written"))
        .singleElement()
        .satisfies(p -> assertThat(p).hasContent("by the container"));
    assertThat(find(root.resolve("layers"), "written")).isEmpty();
    assertThat(find(containerd.root().resolve("io.containerd.snapshotter.v1.overlayfs"), "hello"))
        .isEmpty();
  }

  @Test
  @Order(2)
  void withTheDaemonDownAPodOnTheDefaultHandlerStillStartsAndOneOnTheLayercacheHandlerDoesNot()
      throws Exception {
    assertThat(daemon.stop()).isZero();
    assertThat(socket).doesNotExist();

    // A system pod: pulled and run on the default handler, with no snapshotter of ours involved.
    containerd.crictl("pull", systemRef.toString());
    assertThat(runInPod("system", null, systemRef, "/data/system")).contains("a system pod's file");
    assertThat(find(containerd.root().resolve("io.containerd.snapshotter.v1.overlayfs"), "system"))
        .isNotEmpty();
    // The handler that opts in does depend on the daemon, so the pod above proves the way out.
    Containerd.Result optedIn =
        containerd.crictlResult(
            "runp", "--runtime", Containerd.HANDLER, podConfig("opted-in", null).toString());
    assertThat(optedIn.exit()).as("a layercache sandbox while the daemon is down").isNotZero();

    daemon.start();
    // containerd redials the snapshotter with a backoff, as after any restart of the daemon.
    List<String> ls =
        List.of("-n", "k8s.io", "snapshots", "--snapshotter", Containerd.SNAPSHOTTER, "ls");
    await().atMost(Duration.ofSeconds(30)).until(() -> containerd.ctr(ls, true).exit() == 0);
    assertThat(runInPod("after-restart", Containerd.HANDLER, appRef, "/data/hello"))
        .contains("hello from the app layer");
    assertThat(LayerStore.openReadOnly(root).has(system.diffIds().get(1).toString()))
        .as("the system image's own layer in the store")
        .isFalse();
  }

  static List<Snapshot> records() throws IOException {
    try (Stream<Path> files = Files.list(root.resolve("snapshots/records"))) {
      List<Snapshot> all = new ArrayList<>();
      for (Path file : files.toList()) {
        all.add(LayerStore.JSON.readValue(file.toFile(), Snapshot.class));
      }
      return all;
    }
  }
}
