package dev.layercache.agent.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs a blocking call on its own thread and gives up on it after a bound. fabric8 waits for a
 * response's body without a bound (the JDK client's request timeout covers only the headers), and
 * at 100 nodes one agent's status write once never returned, stalling its sync loop for good.
 * Giving up interrupts the call, which frees the thread for the next one; the caller retries.
 */
final class BoundedCall implements AutoCloseable {
  private final Duration limit;
  private final ExecutorService thread;

  BoundedCall(String threadName, Duration limit) {
    this.limit = limit;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * The call's result; its own exception when it fails, or an IOException when it has not answered
   * within the limit (the call is then interrupted).
   */
  <T> T call(Supplier<T> call) throws IOException {
    Future<T> result = thread.submit(call::get);
    try {
      return result.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      result.cancel(true);
      throw new IOException("no answer within " + limit, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      result.cancel(true);
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for an answer", e);
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
