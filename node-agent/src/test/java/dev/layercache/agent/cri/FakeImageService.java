package dev.layercache.agent.cri;

import dev.layercache.agent.cri.wire.Image;
import dev.layercache.agent.cri.wire.ImageServiceGrpc;
import dev.layercache.agent.cri.wire.ImageStatusRequest;
import dev.layercache.agent.cri.wire.ImageStatusResponse;
import dev.layercache.agent.cri.wire.PullImageRequest;
import dev.layercache.agent.cri.wire.PullImageResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A container runtime's CRI image service that keeps images by reference and records the pulls it
 * was asked for; a pull fails with {@link #failPullsWith} while that is set. Served by the tests on
 * a unix socket, as containerd serves its own.
 */
public final class FakeImageService extends ImageServiceGrpc.ImageServiceImplBase {
  private final Map<String, Image> images = new ConcurrentHashMap<>();
  private final List<PullImageRequest> pulls = new CopyOnWriteArrayList<>();
  private final AtomicInteger statusCalls = new AtomicInteger();
  private volatile Status failPullsWith;

  /** An image the runtime has, pulled for the manifest {@code digest}. */
  public void add(String reference, String digest) {
    String repository = reference.substring(0, reference.lastIndexOf(':'));
    images.put(
        reference,
        Image.newBuilder()
            .setId("sha256:" + "c".repeat(64))
            .addRepoTags(reference)
            .addRepoDigests(repository + "@" + digest)
            .build());
  }

  public void remove(String reference) {
    images.remove(reference);
  }

  public void failPullsWith(Status status) {
    failPullsWith = status;
  }

  public List<PullImageRequest> pulls() {
    return pulls;
  }

  public int statusCalls() {
    return statusCalls.get();
  }

  @Override
  public void imageStatus(
      ImageStatusRequest request, StreamObserver<ImageStatusResponse> response) {
    statusCalls.incrementAndGet();
    ImageStatusResponse.Builder answer = ImageStatusResponse.newBuilder();
    Image image = images.get(request.getImage().getImage());
    if (image != null) {
      answer.setImage(image);
    }
    response.onNext(answer.build());
    response.onCompleted();
  }

  @Override
  public void pullImage(PullImageRequest request, StreamObserver<PullImageResponse> response) {
    pulls.add(request);
    Status failure = failPullsWith;
    if (failure != null) {
      response.onError(failure.asRuntimeException());
      return;
    }
    // The digest a real runtime would record is the registry's; these tests give it a placeholder.
    add(request.getImage().getImage(), "sha256:" + "d".repeat(64));
    response.onNext(PullImageResponse.newBuilder().setImageRef("sha256:" + "c".repeat(64)).build());
    response.onCompleted();
  }
}
