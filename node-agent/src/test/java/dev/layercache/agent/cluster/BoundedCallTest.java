package dev.layercache.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BoundedCallTest {
  @Test
  void aCallThatNeverAnswersFailsAndTheNextCallRuns() throws Exception {
    CountDownLatch interrupted = new CountDownLatch(1);
    try (BoundedCall bounded = new BoundedCall("test-call", Duration.ofMillis(200))) {
      assertThatThrownBy(
              () ->
                  bounded.call(
                      () -> {
                        try {
                          new CountDownLatch(1).await(); // a response that never comes
                        } catch (InterruptedException e) {
                          interrupted.countDown();
                        }
                        return "late";
                      }))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("no answer");
      assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(bounded.call(() -> "next")).isEqualTo("next");
    }
  }

  @Test
  void aCallsOwnFailureIsRethrownAsIs() throws Exception {
    try (BoundedCall bounded = new BoundedCall("test-call", Duration.ofSeconds(10))) {
      assertThatThrownBy(
              () ->
                  bounded.call(
                      () -> {
                        throw new IllegalStateException("refused");
                      }))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("refused");
    }
  }
}
