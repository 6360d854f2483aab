package dev.layercache.agent.daemon;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Waits for SIGTERM or SIGINT. Handling the signal (instead of a shutdown hook) lets the daemon
 * stop its parts in order and exit 0, as a supervisor stopping it on purpose expects.
 */
public final class StopSignal {
  private final CountDownLatch stopped = new CountDownLatch(1);

  public StopSignal() {
    Signal.handle(new Signal("TERM"), s -> stopped.countDown());
    Signal.handle(new Signal("INT"), s -> stopped.countDown());
  }

  public void await() throws InterruptedException {
    stopped.await();
  }
}
