package dev.layercache.agent.workspace;

import java.util.ArrayList;
import java.util.List;

/** What {@link WorkspaceManager#recover()} found and did, one line per workspace or mount. */
public record RecoveryReport(
    List<String> kept,
    List<String> remounted,
    List<String> discardedVolatile,
    List<String> orphans,
    List<String> debris,
    List<String> failures) {

  static RecoveryReport empty() {
    return new RecoveryReport(
        new ArrayList<>(),
        new ArrayList<>(),
        new ArrayList<>(),
        new ArrayList<>(),
        new ArrayList<>(),
        new ArrayList<>());
  }

  /** True when nothing needed doing: every recorded workspace was mounted and nothing else was. */
  public boolean clean() {
    return remounted.isEmpty()
        && discardedVolatile.isEmpty()
        && orphans.isEmpty()
        && debris.isEmpty()
        && failures.isEmpty();
  }

  /** Human-readable lines for what was done (not the kept mounts). */
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    discardedVolatile.forEach(n -> lines.add(WorkspaceManager.discardedVolatileMessage(n)));
    remounted.forEach(n -> lines.add("workspace " + n + ": remounted"));
    orphans.forEach(o -> lines.add("orphan " + o));
    debris.forEach(d -> lines.add("removed " + d));
    failures.forEach(f -> lines.add("failed: " + f));
    return lines;
  }
}
