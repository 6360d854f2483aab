package dev.layercache.agent.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpaceReportTest {
  static String id(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  static LayerRecord layer(char c, long bytes) {
    return new LayerRecord(id(c), bytes, 1, id(c), "t", bytes, Instant.EPOCH);
  }

  static ImageRecord image(String ref, char... layers) {
    List<ImageRecord.Layer> list = new ArrayList<>();
    for (char c : layers) {
      list.add(new ImageRecord.Layer(id(c), id(c), "t", 1));
    }
    return new ImageRecord(ref, id(ref.charAt(0)), "linux/amd64", list, Instant.EPOCH);
  }

  static WorkspaceInfo workspace(String name, ImageRecord image, long upper) {
    WorkspaceRecord record =
        new WorkspaceRecord(
            name,
            image.reference(),
            image.manifestDigest(),
            image.layers().stream().map(ImageRecord.Layer::diffId).toList(),
            false,
            false,
            false,
            true,
            null,
            "cli",
            WorkspaceRecord.State.ACTIVE,
            Instant.EPOCH);
    return new WorkspaceInfo(
        record, new WorkspaceLayout(Path.of("/w", name)), true, upper, java.util.List.of());
  }

  @Test
  void tenWorkspacesOnAFourUnitImageSaveForty() {
    ImageRecord img = image("img", 'a', 'b');
    List<WorkspaceInfo> workspaces = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      workspaces.add(workspace("w" + i, img, 0));
    }
    SpaceReport report =
        SpaceReport.compute(List.of(img), List.of(layer('a', 3), layer('b', 1)), workspaces);
    assertThat(report.logicalBytes()).isEqualTo(44);
    assertThat(report.physicalBytes()).isEqualTo(4);
    assertThat(report.savedBytes()).isEqualTo(40);
    assertThat(report.images().get(0).workspaces()).isEqualTo(10);
  }

  @Test
  void uppersCountOnBothSidesAndSharedLayersAreSplitPerImage() {
    ImageRecord app = image("app", 'a', 'b');
    ImageRecord worker = image("worker", 'a', 'c');
    SpaceReport report =
        SpaceReport.compute(
            List.of(app, worker),
            List.of(layer('a', 100), layer('b', 10), layer('c', 20), layer('d', 5)),
            List.of(workspace("w", app, 7)));
    // logical: images 110 + 120, workspace 110 + 7; physical: all layers 135 + upper 7
    assertThat(report.logicalBytes()).isEqualTo(110 + 120 + 110 + 7);
    assertThat(report.physicalBytes()).isEqualTo(135 + 7);
    assertThat(report.upperBytes()).isEqualTo(7);
    assertThat(report.images())
        .extracting(
            SpaceReport.ImageUsage::reference,
            SpaceReport.ImageUsage::sizeBytes,
            SpaceReport.ImageUsage::sharedBytes,
            SpaceReport.ImageUsage::uniqueBytes,
            SpaceReport.ImageUsage::workspaces)
        .containsExactly(tuple("app", 110L, 100L, 10L, 1), tuple("worker", 120L, 100L, 20L, 0));
    assertThat(report.layerUsers()).containsEntry(id('a'), Set.of("app", "worker"));
  }

  @Test
  void anImageCachedUnderATagAndItsDigestCountsOnce() {
    ImageRecord tagged = image("app", 'a', 'b');
    ImageRecord pinned =
        new ImageRecord(
            "app@" + tagged.manifestDigest(),
            tagged.manifestDigest(),
            tagged.platform(),
            tagged.layers(),
            Instant.EPOCH);
    SpaceReport report =
        SpaceReport.compute(
            List.of(tagged, pinned), List.of(layer('a', 100), layer('b', 10)), List.of());
    assertThat(report.logicalBytes()).isEqualTo(110);
    assertThat(report.savedBytes()).isZero();
    assertThat(report.images()).allMatch(i -> i.sharedBytes() == 0);
  }
}
