package dev.layercache.agent.daemon;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;

/**
 * Calls one RPC on a gRPC service implementation, in process, and checks what a client would: the
 * call ends once, with its answers or one error status, and a bad request is never INTERNAL from a
 * runtime exception (that is a bug in the daemon, not the client's error).
 */
public final class RpcCheck implements StreamObserver<Object> {
  private int answers;
  private boolean ended;
  private Status error;

  private RpcCheck() {}

  /** The RPC, given the observer to answer (raw: one checker for every response type). */
  @SuppressWarnings("rawtypes")
  public interface Rpc {
    void call(StreamObserver out);
  }

  /**
   * Makes the call; returns its error status, or null when it answered.
   *
   * @param unary whether exactly one answer must come before the end
   */
  public static Status call(Rpc rpc, boolean unary) {
    RpcCheck check = new RpcCheck();
    rpc.call(check);
    if (!check.ended) {
      throw new AssertionError("the call never ended");
    }
    if (check.error != null) {
      if (check.error.getCode() == Status.Code.INTERNAL
          && !(check.error.getCause() instanceof IOException)) {
        throw new AssertionError(
            "a request failed inside the daemon: " + check.error, check.error.getCause());
      }
      return check.error;
    }
    if (unary && check.answers != 1) {
      throw new AssertionError("a unary call answered " + check.answers + " times");
    }
    return null;
  }

  @Override
  public void onNext(Object value) {
    if (ended) {
      throw new AssertionError("an answer after the end");
    }
    answers++;
  }

  @Override
  public void onError(Throwable t) {
    if (ended) {
      throw new AssertionError("a second end");
    }
    ended = true;
    error = ((StatusRuntimeException) t).getStatus();
  }

  @Override
  public void onCompleted() {
    if (ended) {
      throw new AssertionError("a second end");
    }
    ended = true;
  }
}
