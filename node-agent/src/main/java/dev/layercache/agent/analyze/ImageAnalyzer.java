package dev.layercache.agent.analyze;

import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.StoreLayout;
import dev.layercache.agent.unpack.OverlayMarks;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Finds an image's wasted bytes from its layers as the store holds them, unpacked with overlay
 * whiteouts, so it costs one walk of each layer and no download. The layers are stacked bottom to
 * top as overlayfs would: a whiteout hides a path and everything below it, an opaque directory
 * everything below it, a file or a directory over something else replaces it. A file's bytes are
 * wasted when none of its names (hard links included) is visible in the end.
 */
public final class ImageAnalyzer {
  /** How many of the largest wasted files a report lists. */
  public static final int LARGEST = 20;

  private final StoreLayout store;

  public ImageAnalyzer(StoreLayout store) {
    this.store = store;
  }

  /** A file's data: one per inode, so hard links share it. */
  private record Data(int layer, Object inode, long bytes) {}

  /** What a path of the merged view shows now. */
  private record Visible(Data data, boolean directory) {}

  private static final class LayerCounts {
    long size;
    int added;
    int changed;
    int removed;
  }

  /** One image's layers stacked: every file's data, which of it the top still shows, and why. */
  private record Stack(
      List<Data> all,
      Set<Data> reachable,
      Map<Data, String> firstName,
      Map<Data, Integer> hiddenBy,
      List<LayerCounts> counts) {}

  public ImageAnalysis analyze(ImageRecord image) throws IOException {
    Stack stack = stack(image);
    return report(image, stack);
  }

  /**
   * The bytes on a node that hold cached images' files no image's merged view reaches: a layer's
   * file hidden in one image but shown by another is not wasted. Each distinct layer counts once.
   */
  public long wastedOnNode(List<ImageRecord> images) throws IOException {
    Map<Object, Long> sizes = new HashMap<>();
    Set<Object> reachable = new HashSet<>();
    for (ImageRecord image : images) {
      Stack stack = stack(image);
      stack.all().forEach(d -> sizes.put(d.inode(), d.bytes()));
      stack.reachable().forEach(d -> reachable.add(d.inode()));
    }
    long wasted = 0;
    for (Map.Entry<Object, Long> file : sizes.entrySet()) {
      if (!reachable.contains(file.getKey())) {
        wasted += file.getValue();
      }
    }
    return wasted;
  }

  private Stack stack(ImageRecord image) throws IOException {
    NavigableMap<String, Visible> visible = new TreeMap<>();
    Map<Data, String> firstName = new HashMap<>();
    Map<Data, Integer> hiddenBy = new HashMap<>();
    List<LayerCounts> counts = new ArrayList<>();
    List<Data> all = new ArrayList<>();
    List<ImageRecord.Layer> layers = image.layers();
    for (int i = 0; i < layers.size(); i++) {
      int layer = i;
      LayerCounts count = new LayerCounts();
      counts.add(count);
      Map<Object, Data> inodes = new HashMap<>();
      Path root = store.layerDiff(layers.get(i).diffId());
      // Visit in sorted order, parents before children, so a replaced tree is hidden first.
      List<Path> entries = sortedEntries(root);
      for (Path path : entries) {
        String name = root.relativize(path).toString();
        Map<String, Object> attrs =
            Files.readAttributes(path, "unix:mode,rdev,size,ino,dev", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) attrs.get("mode");
        boolean directory = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
        if (OverlayMarks.isWhiteout(mode, (Long) attrs.get("rdev"))) {
          count.removed += hide(visible, name, true, layer, hiddenBy);
          continue;
        }
        Visible below = visible.get(name);
        if (directory) {
          if (OverlayMarks.isOpaque(path)) {
            count.removed += hide(visible, name, false, layer, hiddenBy);
          }
          if (below != null && !below.directory()) {
            count.changed++;
            hide(visible, name, true, layer, hiddenBy);
          }
          if (below == null || !below.directory()) {
            visible.put(name, new Visible(null, true));
          }
          continue;
        }
        Data data = null;
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
          Object inode = List.of(attrs.get("dev"), attrs.get("ino"));
          data = inodes.get(inode);
          if (data == null) {
            data = new Data(layer, inode, (Long) attrs.get("size"));
            inodes.put(inode, data);
            all.add(data);
            count.size += data.bytes();
            firstName.put(data, name);
          }
        }
        if (below != null) {
          count.changed++;
          hide(visible, name, true, layer, hiddenBy);
        } else {
          count.added++;
        }
        visible.put(name, new Visible(data, false));
      }
    }
    Set<Data> reachable = new HashSet<>();
    for (Visible v : visible.values()) {
      if (v.data() != null) {
        reachable.add(v.data());
      }
    }
    return new Stack(all, reachable, firstName, hiddenBy, counts);
  }

  private static ImageAnalysis report(ImageRecord image, Stack stack) {
    List<ImageRecord.Layer> layers = image.layers();
    long total = 0;
    long wasted = 0;
    long userWasted = 0;
    long[] wastedPerLayer = new long[layers.size()];
    List<ImageAnalysis.WastedPath> largest = new ArrayList<>();
    for (Data data : stack.all()) {
      total += data.bytes();
      if (stack.reachable().contains(data)) {
        continue;
      }
      wasted += data.bytes();
      wastedPerLayer[data.layer()] += data.bytes();
      if (data.layer() > 0) {
        userWasted += data.bytes();
      }
      if (data.bytes() > 0) {
        largest.add(
            new ImageAnalysis.WastedPath(
                stack.firstName().get(data),
                data.bytes(),
                data.layer(),
                stack.hiddenBy().get(data)));
      }
    }
    largest.sort(
        Comparator.comparingLong(ImageAnalysis.WastedPath::bytes)
            .reversed()
            .thenComparing(ImageAnalysis.WastedPath::path));
    List<ImageAnalysis.LayerAnalysis> perLayer = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      LayerCounts c = stack.counts().get(i);
      perLayer.add(
          new ImageAnalysis.LayerAnalysis(
              i, layers.get(i).diffId(), c.size, c.added, c.changed, c.removed, wastedPerLayer[i]));
    }
    return new ImageAnalysis(
        image.reference(),
        image.manifestDigest(),
        total,
        wasted,
        userWasted,
        perLayer,
        List.copyOf(largest.subList(0, Math.min(LARGEST, largest.size()))));
  }

  /**
   * Hides {@code name} (if {@code self}) and every visible path below it; returns how many
   * non-directories that hid, and notes which layer hid each file's data.
   */
  private static int hide(
      NavigableMap<String, Visible> visible,
      String name,
      boolean self,
      int layer,
      Map<Data, Integer> hiddenBy) {
    List<String> doomed = new ArrayList<>();
    if (self && visible.containsKey(name)) {
      doomed.add(name);
    }
    // Every key that starts with "name/": the range ["name/", "name0"), '0' being '/' + 1.
    doomed.addAll(visible.subMap(name + "/", true, name + "0", false).keySet());
    int files = 0;
    for (String path : doomed) {
      Visible v = visible.remove(path);
      if (!v.directory()) {
        files++;
      }
      if (v.data() != null) {
        hiddenBy.put(v.data(), layer);
      }
    }
    return files;
  }

  private static List<Path> sortedEntries(Path root) throws IOException {
    List<Path> entries = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            if (!dir.equals(root)) {
              entries.add(dir);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            entries.add(file);
            return FileVisitResult.CONTINUE;
          }
        });
    entries.sort(Comparator.comparing(p -> root.relativize(p).toString()));
    return entries;
  }
}
