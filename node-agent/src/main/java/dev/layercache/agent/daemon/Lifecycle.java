package dev.layercache.agent.daemon;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a process started, stopped in reverse order of start within one bound: servers before the
 * pools they call, the store last. A part that does not stop in time is named and left behind (the
 * process exits anyway).
 */
public final class Lifecycle implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);

  private record Part(String name, AutoCloseable stop) {}

  private final Deque<Part> started = new ArrayDeque<>();
  private final Duration bound;

  public Lifecycle(Duration bound) {
    this.bound = bound;
  }

  /** Records that {@code part} runs now; it is closed when the lifecycle closes. */
  public synchronized <T extends AutoCloseable> T add(String name, T part) {
    started.push(new Part(name, part));
    return part;
  }

  @Override
  public void close() {
    Thread stopper = new Thread(this::stopAll, "stop");
    stopper.setDaemon(true);
    stopper.start();
    try {
      stopper.join(bound.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (stopper.isAlive()) {
      synchronized (this) {
        LOG.warn("not stopped within {}: {}", bound, started.stream().map(Part::name).toList());
      }
    }
  }

  private void stopAll() {
    while (true) {
      Part part;
      synchronized (this) {
        if (started.isEmpty()) {
          return;
        }
        part = started.peek();
      }
      try {
        part.stop().close();
      } catch (Exception e) {
        LOG.warn("stopping {} failed", part.name(), e);
      }
      synchronized (this) {
        started.pop();
      }
    }
  }
}
