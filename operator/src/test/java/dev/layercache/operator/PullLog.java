package dev.layercache.operator;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What the fake agents pulled, and how many nodes pulled at the same time at most. */
public final class PullLog {
  private final Set<String> pulling = new HashSet<>();
  private final List<String> starts = new ArrayList<>();
  private int maxConcurrent;

  synchronized void started(String node) {
    if (pulling.add(node)) {
      starts.add(node);
      maxConcurrent = Math.max(maxConcurrent, pulling.size());
    }
  }

  synchronized void finished(String node) {
    pulling.remove(node);
  }

  synchronized int maxConcurrent() {
    return maxConcurrent;
  }

  /** Nodes in the order they started pulling (a node appears once per pull). */
  synchronized List<String> starts() {
    return List.copyOf(starts);
  }
}
