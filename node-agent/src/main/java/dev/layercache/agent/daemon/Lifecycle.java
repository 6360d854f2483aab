package dev.layercache.agent.daemon;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a process started, stopped in reverse order of start: servers before the pools they call,
 * the store last. Parts can be added while it runs (the agent adds its loop to the daemon's). The
 * bound on stopping is the caller's ({@code kube.Shutdown} in the commands).
 */
public final class Lifecycle implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);

  private record Part(String name, AutoCloseable stop) {}

  private final Deque<Part> started = new ArrayDeque<>();

  /** Records that {@code part} runs now; it is closed when the lifecycle closes. */
  public synchronized <T extends AutoCloseable> T add(String name, T part) {
    started.push(new Part(name, part));
    return part;
  }

  /** Stops every part, last started first; a part that fails to stop is logged and passed. */
  @Override
  public synchronized void close() {
    while (!started.isEmpty()) {
      Part part = started.pop();
      try {
        part.stop().close();
      } catch (Exception e) {
        LOG.warn("stopping {} failed", part.name(), e);
      }
    }
  }
}
