package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.api.testing.KubeControlPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl get} of each kind on a real API server: the columns in reading order, AGE last.
 */
@ExtendWith(KubeControlPlane.class)
class PrinterColumnsIT {

  @Test
  void kubectlGetShowsTheColumnsInReadingOrder(KubeControlPlane cluster, @TempDir Path dir)
      throws IOException {
    apply(cluster, dir, "layercache.yaml", "build-base-images", "columns-lc");
    apply(cluster, dir, "nodecache.yaml", "worker-1", "columns-node");
    apply(cluster, dir, "overlayworkspace.yaml", "python-scratch", "columns-ows");

    assertThat(header(cluster, "lc", "columns-lc"))
        .containsExactly("NAME", "IMAGES", "READY", "FAILED", "SIZE", "AGE");
    assertThat(header(cluster, "nc", "columns-node"))
        .containsExactly("NAME", "READY", "LAYERS", "DISK", "SAVED", "AGE");
    assertThat(header(cluster, "nc", "columns-node", "-o", "wide"))
        .containsExactly(
            "NAME",
            "READY",
            "LAYERS",
            "DISK",
            "SAVED",
            "AGE",
            "AGENT",
            "SYNCED",
            "WASTED",
            "CONTAINERD-SAVED");
    assertThat(header(cluster, "ows", "columns-ows", "-n", "default"))
        .containsExactly("NAME", "PHASE", "NODE", "IMAGE", "UPPER", "AGE");
    assertThat(header(cluster, "ows", "columns-ows", "-n", "default", "-o", "wide"))
        .containsExactly("NAME", "PHASE", "NODE", "IMAGE", "UPPER", "AGE", "MERGED");
  }

  /** Applies an example under another name, so that other tests' objects are not touched. */
  private static void apply(
      KubeControlPlane cluster, Path dir, String example, String name, String newName)
      throws IOException {
    Path file = dir.resolve(example);
    Files.writeString(
        file,
        Files.readString(ProjectFiles.EXAMPLES.resolve(example))
            .replace("name: " + name + "\n", "name: " + newName + "\n"));
    kubectl(cluster, "apply", "-f", file.toString());
  }

  private static List<String> header(KubeControlPlane cluster, String... get) {
    String[] args = new String[get.length + 1];
    args[0] = "get";
    System.arraycopy(get, 0, args, 1, get.length);
    return List.of(kubectl(cluster, args).lines().findFirst().orElseThrow().trim().split("\\s+"));
  }

  private static String kubectl(KubeControlPlane cluster, String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(KubeControlPlane.kubectl().toString(), "--kubeconfig=" + cluster.kubeconfig()));
    command.addAll(List.of(args));
    return KubeControlPlane.run(command, 60);
  }
}
