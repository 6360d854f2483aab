package dev.layercache.agent.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.cli.CliRun;
import dev.layercache.agent.daemon.DaemonProcess;
import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.MountInfo;
import dev.layercache.agent.kernel.OverlayMount;
import dev.layercache.agent.kernel.OverlayMounter;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.LayerTars;
import dev.layercache.agent.workspace.TreeSnapshot;
import dev.layercache.oci.Compression;
import dev.layercache.oci.Descriptor;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * The layercache daemon as containerd's snapshotter, with Debian's containerd and runc, crictl for
 * the kubelet's CRI path, ctr for plain pulls, and the real registry behind a counting proxy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerdSnapshotterIT {
  @RegisterExtension static RegistryExtension registry = RegistryExtension.anonymous();

  static Path dir;
  static Path root;
  static Path socket;
  static FaultyProxy proxy;
  static DaemonProcess daemon;
  static Containerd containerd;
  static TestImage app;
  static TestImage half;
  static TestImage rich;
  static TestImage deep;
  static ImageReference pauseRef;
  static ImageReference appRef;
  static ImageReference halfRef;
  static ImageReference richRef;
  static ImageReference deepRef;

  @BeforeAll
  static void start() throws Exception {
    Containerd.requireTools();
    dir = Files.createTempDirectory("layercache-containerd-");
    root = dir.resolve("store");
    socket = dir.resolve("run/snapshotter.sock");
    proxy = FaultyProxy.start(registry.url());

    byte[] tool = StaticTool.build(Files.createDirectories(dir.resolve("tool")));
    TarBuilder toolLayer = new TarBuilder().directory("bin").file("bin/sh", tool, 0755);
    TarBuilder appLayer =
        new TarBuilder().directory("data").file("data/hello", "hello from the app layer\n");
    TestImage pause = ImageBuilder.oci(TestImages.AMD64).layer(toolLayer, Compression.GZIP).build();
    app =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(toolLayer, Compression.GZIP)
            .layer(appLayer, Compression.GZIP)
            .build();
    half =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(toolLayer, Compression.GZIP)
            .layer(appLayer, Compression.GZIP)
            .layer(new TarBuilder().file("data/extra", "only in half\n"), Compression.GZIP)
            .build();
    rich =
        ImageBuilder.oci(TestImages.AMD64)
            .layer(LayerTars.base(), Compression.GZIP)
            .layer(LayerTars.change(), Compression.GZIP)
            .build();
    ImageBuilder deepBuilder =
        ImageBuilder.oci(TestImages.AMD64).layer(toolLayer, Compression.GZIP);
    for (int i = 1; i < 120; i++) {
      TarBuilder layer = new TarBuilder().directory("deep").file("deep/" + i, "layer " + i + "\n");
      if (i % 10 == 0) {
        layer.whiteout("deep/" + (i - 1));
      }
      deepBuilder.layer(layer, Compression.GZIP);
    }
    deep = deepBuilder.build();
    pauseRef = push(pause, "layercache-test/pause:1");
    appRef = push(app, "layercache-test/app:1");
    halfRef = push(half, "layercache-test/half:1");
    richRef = push(rich, "layercache-test/rich:1");
    deepRef = push(deep, "layercache-test/deep:1");

    // Warm the store as a user would, before the daemon (the store's one writer) runs.
    cli("pull", pauseRef.toString(), appRef.toString());

    daemon = new DaemonProcess(root, socket, dir.resolve("daemon.log")).start();
    containerd =
        Containerd.start(
            dir.resolve("containerd"), socket, pauseRef.toString(), List.of(proxy.host()));
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
      // the logs, for whoever reads a failure
      Path logs = Files.createDirectories(Path.of("target", "containerd-it"));
      for (Path log :
          List.of(dir.resolve("daemon.log"), dir.resolve("containerd/containerd.log"))) {
        if (Files.exists(log)) {
          Files.copy(
              log,
              logs.resolve(log.getFileName()),
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
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

  /** Runs a pod (host network) and one container in it through CRI; returns its log. */
  static String runInPod(String name, ImageReference image, String... args) throws Exception {
    Path logs = Files.createDirectories(dir.resolve("logs").resolve(name));
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
            + "\"linux\":{\"security_context\":{\"namespace_options\":{\"network\":2}}}}");
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
    String podId = containerd.crictl("runp", pod.toString());
    String ctrId = containerd.crictl("create", podId, ctr.toString(), pod.toString());
    containerd.crictl("start", ctrId);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> containerd.crictl("ps", "-a", "-q", "--state", "exited").contains(ctrId));
    return Files.readString(logs.resolve("c.log"));
  }

  static List<Path> find(Path under, String name) throws IOException {
    try (Stream<Path> paths = Files.walk(under)) {
      return paths.filter(p -> p.getFileName().toString().equals(name)).toList();
    }
  }

  @Test
  @Order(1)
  void anImageWarmedByLayercachePullStartsThroughCriWithoutDownloadingOrUnpackingALayer()
      throws Exception {
    proxy.reset(); // forget what layercache pull fetched
    containerd.crictl("pull", appRef.toString());

    assertThat(blobDownloads(app)).as("layer downloads of the warm image").isZero();
    assertThat(layerBlobsInContainerd(app))
        .as("layer blobs in containerd's content store")
        .isEmpty();
    String log = runInPod("warm", appRef, "/data/hello", "--write", "/written", "by the container");
    assertThat(log).contains("hello from the app layer");

    // The write is in the container's own upper directory, never in a store layer.
    assertThat(find(root.resolve("snapshots"), "written"))
        .singleElement()
        .satisfies(p -> assertThat(p).hasContent("by the container"));
    assertThat(find(root.resolve("layers"), "written")).isEmpty();
    // containerd stores no second copy: its own overlayfs snapshotter holds nothing.
    assertThat(find(containerd.root().resolve("io.containerd.snapshotter.v1.overlayfs"), "hello"))
        .isEmpty();
  }

  @Test
  @Order(2)
  void aHalfWarmImageFetchesOnlyItsMissingLayerAndTheDaemonFetchesIt() throws Exception {
    proxy.reset();
    containerd.crictl("pull", halfRef.toString());

    Descriptor extra = half.layerDescriptors().get(2);
    List<FaultyProxy.RecordedRequest> layerGets =
        proxy.requests().stream()
            .filter(r -> r.method().equals("GET") && r.path().contains("/blobs/"))
            .filter(
                r ->
                    half.layerDescriptors().stream()
                        .anyMatch(d -> r.path().endsWith(d.digest().toString())))
            .toList();
    assertThat(layerGets)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.path()).endsWith(extra.digest().toString());
              assertThat(r.header("user-agent").orElse("")).doesNotContain("containerd");
            });
    assertThat(layerBlobsInContainerd(half)).isEmpty();
    assertThat(LayerStore.openReadOnly(root).has(half.diffIds().get(2).toString())).isTrue();
    assertThat(runInPod("half", halfRef, "/data/hello", "/data/extra"))
        .contains("hello from the app layer", "only in half");
  }

  @Test
  @Order(3)
  void aColdImageWithoutCriLabelsUnpacksAsContainerdsOverlayfsSnapshotterDoes() throws Exception {
    for (ImageReference ref : List.of(richRef, deepRef)) {
      for (String snapshotter : List.of(Containerd.SNAPSHOTTER, "overlayfs")) {
        containerd.ctr(
            "-n",
            "oracle-" + snapshotter,
            "images",
            "pull",
            "--plain-http",
            "--snapshotter",
            snapshotter,
            ref.toString());
      }
    }
    assertSameTree(rich, "oracle-" + Containerd.SNAPSHOTTER);
    assertSameTree(deep, "oracle-" + Containerd.SNAPSHOTTER);
    // Through CRI the daemon unpacks the layers into the store with its own unpacker: the same.
    containerd.crictl("pull", richRef.toString());
    LayerStore store = LayerStore.openReadOnly(root);
    assertThat(rich.diffIds()).allMatch(d -> store.has(d.toString()));
    assertSameTree(rich, "k8s.io");

    // 120 layers through containerd's own mount code (it shortens long lowerdir strings).
    String out =
        containerd.ctr(
            "-n",
            "oracle-" + Containerd.SNAPSHOTTER,
            "run",
            "--rm",
            "--snapshotter",
            Containerd.SNAPSHOTTER,
            deepRef.toString(),
            "deep-run",
            "/bin/sh",
            "/deep/1",
            "/deep/119");
    assertThat(out).contains("layer 1\n", "layer 119\n");
  }

  @Test
  @Order(4)
  void snapshotsSurviveARestartOfContainerdAndAKilledDaemon() throws Exception {
    containerd.stop();
    containerd.start();
    // CRI loads its images at start and asks the snapshotter whether each is unpacked; one it
    // cannot ask (daemon down) it forgets until the next pull (docs/containerd.md). So the daemon
    // is killed once containerd knows its images again.
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions() // "server is not initialized yet" until CRI has started
        .until(() -> containerd.crictl("images").contains("layercache-test/app"));
    daemon.kill9();
    daemon.start();

    // containerd redials the snapshotter with a backoff (up to 3 s in 1.6), as after any restart.
    List<String> ls =
        List.of("-n", "k8s.io", "snapshots", "--snapshotter", Containerd.SNAPSHOTTER, "ls");
    await().atMost(Duration.ofSeconds(30)).until(() -> containerd.ctr(ls, true).exit() == 0);
    String snapshots = containerd.ctr(ls, false).out();
    assertThat(snapshots).contains(chainIdOf(app), chainIdOf(half), chainIdOf(rich));
    assertThat(runInPod("after-restart", appRef, "/data/hello"))
        .contains("hello from the app layer");
  }

  @Test
  @Order(5)
  void removingAnImageInContainerdRemovesItsSnapshotRecordsButNoStoreLayer() throws Exception {
    containerd.crictl("rmp", "-fa");
    containerd.crictl("rmi", appRef.toString(), halfRef.toString());

    Set<String> gone = Set.of(chainIdOf(app), chainIdOf(half));
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(records())
                    .extracting(s -> s.labels().get(Labels.TARGET))
                    .doesNotContainAnyElementsOf(gone));
    LayerStore store = LayerStore.openReadOnly(root);
    assertThat(half.diffIds()).allMatch(d -> store.has(d.toString()));
    // No snapshot stands on the app layer any more, so layercache's GC may evict it again.
    assertThat(store.pin(Snapshotter.PIN_OWNER).orElseThrow().diffIds())
        .doesNotContain(half.diffIds().get(1).toString(), half.diffIds().get(2).toString())
        .contains(half.diffIds().get(0).toString()); // the pause image still uses the bottom one
  }

  @Test
  @Order(6)
  void theDaemonStopsOnSigtermWithExitCodeZero() throws Exception {
    assertThat(daemon.stop()).isZero();
    assertThat(socket).doesNotExist();
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

  /**
   * Mounts a read-only view of the image's top snapshot from both snapshotters and compares what a
   * user sees: types, modes with special bits, owners, contents, link targets, hard links, user.*
   * xattrs. The two agree on everything this compares, so the OCI spec has nothing to decide.
   */
  private void assertSameTree(TestImage image, String layercacheNamespace) throws Exception {
    String top = chainIdOf(image);
    Map<String, Map<String, String>> trees = new HashMap<>();
    for (String snapshotter : List.of(Containerd.SNAPSHOTTER, "overlayfs")) {
      String ns = snapshotter.equals("overlayfs") ? "oracle-overlayfs" : layercacheNamespace;
      String key = "view-" + top.substring(7, 19) + "-" + System.nanoTime();
      // The mounts as the view is made: containerd's GC may take an unreferenced view any time
      // after, but not the committed snapshots under it.
      JsonNode mounts =
          new ObjectMapper()
              .readTree(
                  containerd.ctr(
                      "-n",
                      ns,
                      "snapshots",
                      "--snapshotter",
                      snapshotter,
                      "view",
                      "--mounts",
                      key,
                      top));
      Path target = Files.createDirectories(dir.resolve("views").resolve(key));
      List<Path> lowers = lowersOf(mounts.get(0));
      OverlayMounter mounter = new OverlayMounter(KernelFeatures.get(), root.resolve("test-links"));
      if (lowers.size() == 1) {
        trees.put(snapshotter, withLinkCounts(lowers.get(0)));
      } else {
        mounter.mount(new OverlayMount(target, lowers, null, null, List.of(), true, true));
        try {
          trees.put(snapshotter, withLinkCounts(target));
        } finally {
          mounter.unmount(target, false);
        }
      }
      containerd.ctr(List.of("-n", ns, "snapshots", "--snapshotter", snapshotter, "rm", key), true);
    }
    Map<String, String> expected = new HashMap<>(trees.get("overlayfs"));
    if (image == rich && layercacheNamespace.equals("k8s.io")) {
      // Where the two differ, the OCI spec decides. LayerTars.base() gives the hard link bin/ls
      // mode 0644 in its own header, its target bin/busybox 0755. The image spec says nothing of a
      // link entry's own metadata: layercache's unpacker creates the link and keeps the target's
      // mode (as GNU tar does); containerd's applier also chmods the shared inode to the link
      // entry's mode. Only that mode differs.
      expected.computeIfPresent("bin/ls", (path, tree) -> tree.replace("file 644 ", "file 755 "));
    }
    assertThat(trees.get(Containerd.SNAPSHOTTER)).isEqualTo(expected);
    assertThat(trees.get(Containerd.SNAPSHOTTER)).isNotEmpty();
  }

  static String chainIdOf(TestImage image) {
    String chain = null;
    for (var diffId : image.diffIds()) {
      chain = ChainId.of(chain, diffId.toString());
    }
    return chain;
  }

  /** The lower directories of a mount as ctr prints it: a bind's source, or the lowerdir list. */
  static List<Path> lowersOf(JsonNode mount) {
    if (mount.get("Type").asText().equals("bind")) {
      return List.of(Path.of(mount.get("Source").asText()));
    }
    for (JsonNode option : mount.get("Options")) {
      if (option.asText().startsWith("lowerdir=")) {
        return Stream.of(option.asText().substring("lowerdir=".length()).split(":"))
            .map(Path::of)
            .toList();
      }
    }
    throw new AssertionError("no lowerdir in " + mount);
  }

  static Map<String, String> withLinkCounts(Path tree) throws IOException {
    Map<String, String> described = new HashMap<>(TreeSnapshot.of(tree));
    for (Map.Entry<String, String> e : described.entrySet()) {
      Object nlink =
          Files.getAttribute(
              tree.resolve(e.getKey()), "unix:nlink", java.nio.file.LinkOption.NOFOLLOW_LINKS);
      if (!e.getValue().startsWith("dir")) {
        e.setValue(e.getValue() + " links=" + nlink);
      }
    }
    return described;
  }
}
