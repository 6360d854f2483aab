package dev.layercache.kube;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * One lifecycle for a long-running process: SIGTERM or SIGINT ends {@link #await}, so main closes
 * what it started, in reverse order, and exits 0 (the JVM's own handling would run no close and
 * exit 143). If closing takes longer than the bound, the process halts with status 1.
 */
public final class Shutdown {
  private final CountDownLatch signalled = new CountDownLatch(1);
  private final Duration bound;

  private Shutdown(Duration bound) {
    this.bound = bound;
  }

  /** Takes SIGTERM and SIGINT over; {@code bound} is how long closing may take after one. */
  public static Shutdown onSignals(Duration bound) {
    Shutdown shutdown = new Shutdown(bound);
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> shutdown.signalled.countDown());
    }
    return shutdown;
  }

  /** Blocks until a signal came, then starts the clock on closing. */
  public void await() throws InterruptedException {
    signalled.await();
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(bound.toMillis());
              } catch (InterruptedException e) {
                return;
              }
              System.err.println("shutdown: still closing after " + bound + "; halting");
              Runtime.getRuntime().halt(1);
            },
            "shutdown-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
