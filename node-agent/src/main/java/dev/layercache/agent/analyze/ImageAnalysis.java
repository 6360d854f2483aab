package dev.layercache.agent.analyze;

import java.util.List;

/**
 * What an image's layers carry that its merged view does not show: bytes a later layer removes (a
 * whiteout, an opaque directory) or replaces. Every image pays for them on every node: they are
 * pulled, unpacked and cached, and no container can read them.
 *
 * @param totalBytes Σ the layers' bytes (regular files, a hard-linked file once per layer)
 * @param wastedBytes the part of total that no path of the merged view reaches
 * @param userWastedBytes wasted bytes added by layers above the base layer (the image's own)
 * @param layers per layer, base first
 * @param largest the wasted files, largest first (at most {@link ImageAnalyzer#LARGEST})
 */
public record ImageAnalysis(
    String reference,
    String manifestDigest,
    long totalBytes,
    long wastedBytes,
    long userWastedBytes,
    List<LayerAnalysis> layers,
    List<WastedPath> largest) {

  /** 1 − wasted / total: 1.0 when nothing is wasted. */
  public double efficiency() {
    return totalBytes == 0 ? 1.0 : 1.0 - (double) wastedBytes / totalBytes;
  }

  /** The image's own waste as a fraction of its size (the base layer not counted). */
  public double userWastedFraction() {
    return totalBytes == 0 ? 0.0 : (double) userWastedBytes / totalBytes;
  }

  /**
   * One layer.
   *
   * @param added paths (not directories) that no lower layer had
   * @param changed paths a lower layer had that this one replaces
   * @param removed paths (not directories) of lower layers this one hides (whiteouts, opaque dirs)
   * @param wastedBytes bytes this layer carries that a later layer hides
   */
  public record LayerAnalysis(
      int index,
      String diffId,
      long sizeBytes,
      int added,
      int changed,
      int removed,
      long wastedBytes) {}

  /**
   * A wasted file: added by one layer, hidden by another.
   *
   * @param addedBy the index of the layer whose bytes these are
   * @param hiddenBy the index of the layer that hid its last visible name
   */
  public record WastedPath(String path, long bytes, int addedBy, int hiddenBy) {}
}
