package dev.layercache.agent.analyze;

import dev.layercache.agent.store.ImageRecord;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The node's wasted bytes ({@link ImageAnalyzer#wastedOnNode}), walked again only when the set of
 * cached images changes: a status refresh every few seconds must not walk every layer.
 */
public final class NodeWaste {
  private final ImageAnalyzer analyzer;
  private Set<String> images;
  private long wastedBytes;

  public NodeWaste(ImageAnalyzer analyzer) {
    this.analyzer = analyzer;
  }

  public synchronized long of(List<ImageRecord> cached) throws IOException {
    Set<String> now =
        cached.stream().map(ImageRecord::manifestDigest).collect(Collectors.toUnmodifiableSet());
    if (!now.equals(images)) {
      wastedBytes = analyzer.wastedOnNode(cached);
      images = now;
    }
    return wastedBytes;
  }
}
