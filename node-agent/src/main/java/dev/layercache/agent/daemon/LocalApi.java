package dev.layercache.agent.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's local API for the CLI: a CLI command on a root that a daemon serves is sent to the
 * daemon, which runs the same command in its own JVM on its open store and streams back what it
 * prints and its exit code. So the output and exit codes are the CLI's own, and a pull runs on a
 * warm JVM. One JSON object per line over a unix socket ({@code ROOT/daemon.sock}, 0600), with the
 * JDK's own unix-domain sockets: a one-shot CLI loads nothing more than it already has (Jackson).
 *
 * <pre>
 * request:  {"args": [...], "cwd": "/abs/dir"}
 * answers:  {"out": "text"} | {"err": "text"} ... then {"exit": N}
 * </pre>
 *
 * A line that is no such request is answered like a CLI usage error: a message and exit 2.
 */
public final class LocalApi {
  private static final Logger LOG = LoggerFactory.getLogger(LocalApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  // The CLI's exit codes (LayercacheCommand): a request it cannot read is bad input.
  private static final int FAILED = 1;
  private static final int BAD_REQUEST = 2;

  private LocalApi() {}

  /** Runs one CLI command line in the daemon; relative paths in it mean {@code cwd}. */
  public interface Commands {
    int run(List<String> args, Path cwd, PrintWriter out, PrintWriter err);
  }

  /** Serves {@code commands} on {@code socket}, one command at a time (as the store lock did). */
  public static Server serve(Path socket, Commands commands) throws IOException {
    Files.deleteIfExists(socket);
    ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.bind(UnixDomainSocketAddress.of(socket));
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      channel.close();
      throw new IOException("cannot serve the CLI on " + socket + ": " + e.getMessage(), e);
    }
    Server server = new Server(socket, channel, commands);
    server.acceptor.start();
    return server;
  }

  /** The server side; closing it stops taking commands and waits briefly for the running one. */
  public static final class Server implements AutoCloseable {
    private final Path socket;
    private final ServerSocketChannel channel;
    private final Commands commands;
    private final ReentrantLock oneAtATime = new ReentrantLock();
    private final ExecutorService connections =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "cli-command");
              t.setDaemon(true);
              return t;
            });
    private final Thread acceptor;

    private Server(Path socket, ServerSocketChannel channel, Commands commands) {
      this.socket = socket;
      this.channel = channel;
      this.commands = commands;
      this.acceptor = new Thread(this::accept, "cli-accept");
      acceptor.setDaemon(true);
    }

    private void accept() {
      while (true) {
        SocketChannel connection;
        try {
          connection = channel.accept();
        } catch (ClosedChannelException stopped) {
          return;
        } catch (IOException e) {
          LOG.warn("CLI socket {}: accept failed", socket, e);
          return;
        }
        connections.execute(() -> answer(connection));
      }
    }

    private void answer(SocketChannel connection) {
      try (connection) {
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(Channels.newInputStream(connection), StandardCharsets.UTF_8));
        OutputStream raw = Channels.newOutputStream(connection);
        String line = in.readLine();
        if (line == null) {
          return;
        }
        PrintWriter out = new PrintWriter(new FrameWriter(raw, "out"), true);
        PrintWriter err = new PrintWriter(new FrameWriter(raw, "err"), true);
        int exit;
        try {
          Request request = Request.parse(line);
          exit = run(request, out, err);
        } catch (BadRequestException e) {
          err.println("layercache: bad request to the daemon on " + socket + ": " + e.getMessage());
          exit = BAD_REQUEST;
        }
        out.flush();
        err.flush();
        send(raw, JSON.createObjectNode().put("exit", exit));
      } catch (IOException e) {
        LOG.warn("CLI command on {} failed to answer", socket, e); // the client went away
      }
    }

    /** Runs one command; a failure the command did not handle is the daemon's, not the client's. */
    private int run(Request request, PrintWriter out, PrintWriter err) {
      oneAtATime.lock();
      try {
        return commands.run(request.args(), request.cwd(), out, err);
      } catch (RuntimeException e) {
        LOG.error("CLI command {} failed in the daemon", request.args(), e);
        err.println("layercache: the daemon failed to run the command: " + e);
        return FAILED;
      } finally {
        oneAtATime.unlock();
      }
    }

    @Override
    public void close() throws IOException, InterruptedException {
      channel.close();
      connections.shutdown();
      connections.awaitTermination(5, TimeUnit.SECONDS);
      Files.deleteIfExists(socket);
    }
  }

  /**
   * Sends the command line to the daemon serving {@code socket} and copies its output; the exit
   * code, or empty when no daemon answers there (no socket, or a stale one): run it in-process.
   */
  public static Optional<Integer> forward(
      Path socket, List<String> args, Path cwd, PrintWriter out, PrintWriter err)
      throws IOException {
    if (!Files.exists(socket)) {
      return Optional.empty();
    }
    SocketChannel connection;
    try {
      connection = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    } catch (ConnectException stale) {
      return Optional.empty();
    }
    try (connection) {
      OutputStream raw = Channels.newOutputStream(connection);
      raw.write((requestLine(args, cwd) + "\n").getBytes(StandardCharsets.UTF_8));
      raw.flush();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(connection), StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        JsonNode frame = JSON.readTree(line);
        if (frame.has("exit")) {
          return Optional.of(frame.get("exit").asInt());
        }
        PrintWriter to = frame.has("out") ? out : err;
        to.print(frame.path(frame.has("out") ? "out" : "err").asText());
        to.flush();
      }
    }
    throw new IOException(
        "the layercache daemon on " + socket + " stopped before the command ended");
  }

  /** The request line for a command line run in {@code cwd}, as the CLI sends it. */
  static String requestLine(List<String> args, Path cwd) throws IOException {
    ObjectNode request = JSON.createObjectNode();
    args.forEach(request.putArray("args")::add);
    request.put("cwd", cwd.toAbsolutePath().toString());
    return JSON.writeValueAsString(request);
  }

  /** One request line: the command line and the client's working directory (absolute). */
  record Request(List<String> args, Path cwd) {
    static Request parse(String line) throws BadRequestException {
      JsonNode request;
      try {
        request = JSON.readTree(line);
      } catch (JsonProcessingException e) {
        throw new BadRequestException("not JSON: " + e.getOriginalMessage());
      }
      if (request == null || !request.isObject()) {
        throw new BadRequestException("not a JSON object");
      }
      JsonNode argsNode = request.path("args");
      if (!argsNode.isMissingNode() && !argsNode.isArray()) {
        throw new BadRequestException("\"args\" is not an array");
      }
      List<String> args = new ArrayList<>();
      for (JsonNode arg : argsNode) {
        if (!arg.isTextual()) {
          throw new BadRequestException("an argument is not a string: " + arg);
        }
        args.add(arg.asText());
      }
      JsonNode cwdNode = request.path("cwd");
      if (!cwdNode.isMissingNode() && !cwdNode.isTextual()) {
        throw new BadRequestException("\"cwd\" is not a string");
      }
      Path cwd;
      try {
        cwd = Path.of(cwdNode.asText("/"));
      } catch (InvalidPathException e) {
        throw new BadRequestException("\"cwd\" is not a path: " + e.getMessage());
      }
      if (!cwd.isAbsolute()) {
        throw new BadRequestException("\"cwd\" is not absolute: " + cwd);
      }
      return new Request(List.copyOf(args), cwd);
    }
  }

  /** A request line the daemon cannot read as a command. */
  static final class BadRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    BadRequestException(String message) {
      super(message);
    }
  }

  private static synchronized void send(OutputStream out, JsonNode frame) throws IOException {
    out.write((JSON.writeValueAsString(frame) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Text written to it goes to the client as frames of one kind, on each flush. */
  private static final class FrameWriter extends Writer {
    private final OutputStream raw;
    private final String kind;
    private final StringBuilder pending = new StringBuilder();

    FrameWriter(OutputStream raw, String kind) {
      this.raw = raw;
      this.kind = kind;
    }

    @Override
    public void write(char[] chars, int offset, int length) {
      pending.append(chars, offset, length);
    }

    @Override
    public void flush() throws IOException {
      if (!pending.isEmpty()) {
        send(raw, JSON.createObjectNode().put(kind, pending.toString()));
        pending.setLength(0);
      }
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
