package dev.layercache.agent.cri;

import dev.layercache.agent.cri.wire.AuthConfig;
import dev.layercache.agent.cri.wire.Image;
import dev.layercache.agent.cri.wire.ImageServiceGrpc;
import dev.layercache.agent.cri.wire.ImageSpec;
import dev.layercache.agent.cri.wire.ImageStatusRequest;
import dev.layercache.agent.cri.wire.PodSandboxConfig;
import dev.layercache.agent.cri.wire.PullImageRequest;
import dev.layercache.oci.RegistryCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The container runtime's CRI image service ({@code runtime.v1.ImageService}) on its unix socket,
 * called as the kubelet calls it before it starts a container: is the image here, and pull it. With
 * a runtime handler, every request is for that handler (containerd 2.x pulls into the handler's
 * snapshotter); without one, for the runtime's default.
 */
public final class CriImageClient implements AutoCloseable {
  /**
   * The sandbox annotation containerd 2.x reads a pull's runtime handler from (deprecated in 2.4,
   * which prefers {@code image.runtime_handler} but reads that only when a sandbox config is sent).
   */
  public static final String RUNTIME_HANDLER_ANNOTATION = "io.containerd.cri.runtime-handler";

  /** A warm image's pull moves a manifest and a config; a cold layer is fetched by the daemon. */
  private static final Duration PULL_DEADLINE = Duration.ofMinutes(10);

  private static final Duration STATUS_DEADLINE = Duration.ofSeconds(30);

  private final Path socket;
  private final String runtimeHandler;
  private final EventLoopGroup loop = new EpollEventLoopGroup(1);
  private final ManagedChannel channel;
  private final ImageServiceGrpc.ImageServiceBlockingStub images;

  /**
   * @param runtimeHandler the handler to pull for, or null for the runtime's default
   */
  public CriImageClient(Path socket, String runtimeHandler) {
    this.socket = socket;
    this.runtimeHandler =
        runtimeHandler == null || runtimeHandler.isEmpty() ? null : runtimeHandler;
    channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(loop)
            .usePlaintext()
            .build();
    images = ImageServiceGrpc.newBlockingStub(channel);
  }

  public Path socket() {
    return socket;
  }

  /** The runtime's image for {@code reference}, if it has one. */
  public Optional<Image> status(String reference) throws StatusRuntimeException {
    ImageStatusRequest request =
        ImageStatusRequest.newBuilder().setImage(spec(reference, runtimeHandler)).build();
    var response =
        images
            .withDeadlineAfter(STATUS_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .imageStatus(request);
    return response.hasImage() && !response.getImage().getId().isEmpty()
        ? Optional.of(response.getImage())
        : Optional.empty();
  }

  /** Pulls {@code reference} with these credentials (none: anonymous); the runtime's image ID. */
  public String pull(String reference, Optional<RegistryCredentials> credentials)
      throws StatusRuntimeException {
    return images
        .withDeadlineAfter(PULL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .pullImage(pullRequest(reference, credentials, runtimeHandler))
        .getImageRef();
  }

  /**
   * The request the agent sends. For a handler: the handler in {@code image.runtime_handler} and in
   * the sandbox annotation, since containerd 2.4 honours the first only when a sandbox config comes
   * with it, and older 2.x read only the annotation (docs/containerd.md).
   */
  static PullImageRequest pullRequest(
      String reference, Optional<RegistryCredentials> credentials, String runtimeHandler) {
    PullImageRequest.Builder request =
        PullImageRequest.newBuilder().setImage(spec(reference, runtimeHandler));
    credentials.ifPresent(c -> request.setAuth(auth(c)));
    if (runtimeHandler != null) {
      request.setSandboxConfig(
          PodSandboxConfig.newBuilder().putAnnotations(RUNTIME_HANDLER_ANNOTATION, runtimeHandler));
    }
    return request.build();
  }

  private static ImageSpec spec(String reference, String runtimeHandler) {
    ImageSpec.Builder spec = ImageSpec.newBuilder().setImage(reference);
    if (runtimeHandler != null) {
      spec.setRuntimeHandler(runtimeHandler);
    }
    return spec.build();
  }

  /**
   * A pull secret's entry as containerd uses it: username and password, or the identity token alone
   * when the entry has one (containerd prefers a username when both come, and an identity token's
   * entry carries a placeholder username; with the token alone it asks the registry's token service
   * for a refresh-token grant).
   */
  private static AuthConfig auth(RegistryCredentials credentials) {
    AuthConfig.Builder auth = AuthConfig.newBuilder();
    if (credentials.identityToken() != null) {
      return auth.setIdentityToken(credentials.identityToken()).build();
    }
    return auth.setUsername(credentials.username())
        .setPassword(nullToEmpty(credentials.password()))
        .build();
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
