package dev.layercache.agent.daemon;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server on a unix socket (netty's epoll transport), readable and writable by root only: the
 * socket is 0600 and a directory made for it 0700. A socket file left by a stopped daemon is
 * replaced; the store's writer lock already keeps a second daemon off the same root.
 */
public final class UnixSocketGrpcServer implements AutoCloseable {
  static {
    // grpc-netty sets SO_KEEPALIVE on every channel; a unix socket has no such option and netty
    // warns once per connection. The warning says nothing about the daemon.
    String logger = "org.slf4j.simpleLogger.log.io.grpc.netty.shaded.io.netty.bootstrap";
    System.setProperty(logger, System.getProperty(logger, "error"));
  }

  private final Path socket;
  private final Server server;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;

  private UnixSocketGrpcServer(Path socket, Server server, EventLoopGroup boss, EventLoopGroup w) {
    this.socket = socket;
    this.server = server;
    this.boss = boss;
    this.workers = w;
  }

  public static UnixSocketGrpcServer start(Path socket, BindableService... services)
      throws IOException {
    Path dir = socket.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Files.deleteIfExists(socket);
    EventLoopGroup boss = new EpollEventLoopGroup(1);
    EventLoopGroup workers = new EpollEventLoopGroup(2);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers);
    for (BindableService service : services) {
      builder.addService(service);
    }
    Server server;
    try {
      server = builder.build().start();
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | RuntimeException e) {
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new IOException("cannot serve gRPC on " + socket + ": " + e.getMessage(), e);
    }
    return new UnixSocketGrpcServer(socket, server, boss, workers);
  }

  public Path socket() {
    return socket;
  }

  /**
   * Makes one call to this server the way a client would, and waits for its answer. containerd 1.6
   * gives its first HTTP/2 handshake with a proxy plugin about a second; a cold JVM loading netty's
   * HTTP/2 classes on a busy node can take longer, so the daemon makes the first one itself before
   * it says it is ready.
   */
  public void warmUp(java.util.function.Consumer<ManagedChannel> call) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(workers)
            .usePlaintext()
            .build();
    try {
      call.accept(channel);
    } finally {
      channel.shutdownNow();
    }
  }

  /** Stops taking calls, gives running calls two seconds, then cuts them. */
  @Override
  public void close() throws IOException, InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
      server.shutdownNow().awaitTermination(1, TimeUnit.SECONDS);
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    Files.deleteIfExists(socket);
  }
}
