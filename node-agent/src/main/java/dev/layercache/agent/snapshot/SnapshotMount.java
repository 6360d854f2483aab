package dev.layercache.agent.snapshot;

import java.util.List;

/** One mount for containerd to perform, as mount(8) takes it: computed, never performed here. */
public record SnapshotMount(String type, String source, List<String> options) {
  public SnapshotMount {
    options = List.copyOf(options);
  }
}
