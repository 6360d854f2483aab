package dev.layercache.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.cli.LayercacheCommand;
import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.RecordingMounter;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.oci.testing.FuzzBudget;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Any request line to the daemon's local API, over its unix socket, with the daemon's own command
 * handler behind it on a scratch store (no mounts): every connection is answered with frames that
 * end in an exit code, a line that is no request gets exit 2 and says why, and afterwards the
 * daemon still runs a command. Command lines that would reach a registry or read the client's files
 * are not run (the CLI's own tests cover those commands).
 */
class LocalApiFuzzTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> NOT_RUN = Set.of("pull", "commit", "apply", "mount", "delete");
  private static final int NOT_RUN_EXIT = 99;

  private static Path root;
  private static LayerStore store;
  private static LocalApi.Server server;
  private static ExecutorService reader;

  @BeforeAll
  static void startDaemonApi() throws IOException {
    root = Files.createTempDirectory("local-api-fuzz");
    store = LayerStore.open(root.resolve("store"));
    WorkspaceManager workspaces =
        new WorkspaceManager(
            store,
            new RecordingMounter(),
            new KernelFeatures(true, true, true, true, true, true, true, false),
            Clock.systemUTC());
    server =
        LocalApi.serve(
            store.layout().daemonSocket(),
            (args, cwd, out, err) ->
                args.stream().anyMatch(NOT_RUN::contains)
                    ? NOT_RUN_EXIT
                    : LayercacheCommand.runInDaemon(store, workspaces, args, cwd, out, err));
    reader = Executors.newSingleThreadExecutor();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    store.close();
    reader.shutdownNow();
    DirFd.deleteTree(root);
  }

  @FuzzTest(maxDuration = FuzzBudget.CI)
  void request(byte[] input) throws Exception {
    String line = new String(input, StandardCharsets.UTF_8);
    List<JsonNode> frames = send(line);
    int exit = exitOf(frames);
    boolean isRequest;
    try {
      LocalApi.Request.parse(firstLine(line));
      isRequest = true;
    } catch (LocalApi.BadRequestException e) {
      isRequest = false;
    }
    if (!isRequest) {
      assertThat(exit).as("exit code of %s", line).isEqualTo(2);
      assertThat(frames)
          .anySatisfy(f -> assertThat(f.path("err").asText()).contains("bad request"));
    }
    List<JsonNode> after =
        send(
            LocalApi.requestLine(
                List.of("--root", store.layout().root().toString(), "gc"), Path.of("/")));
    assertThat(exitOf(after)).as("gc after %s: %s", line, after).isZero();
  }

  /** What the daemon answers to one line: every frame, the exit frame last. */
  private static List<JsonNode> send(String line) throws Exception {
    try (SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      socket.connect(UnixDomainSocketAddress.of(store.layout().daemonSocket()));
      socket.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
      socket.shutdownOutput();
      return reader
          .submit(
              () -> {
                List<JsonNode> frames = new ArrayList<>();
                BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(
                            Channels.newInputStream(socket), StandardCharsets.UTF_8));
                for (String answer; (answer = in.readLine()) != null; ) {
                  frames.add(JSON.readTree(answer));
                }
                return frames;
              })
          .get(60, TimeUnit.SECONDS);
    }
  }

  /** The exit code the frames end with; every frame before it is one "out" or "err" text. */
  private static int exitOf(List<JsonNode> frames) {
    assertThat(frames).as("answer frames").isNotEmpty();
    JsonNode last = frames.get(frames.size() - 1);
    assertThat(last.path("exit").isInt()).as("last frame %s", last).isTrue();
    assertThat(frames.subList(0, frames.size() - 1))
        .allSatisfy(
            f -> {
              assertThat(f.size()).isEqualTo(1);
              assertThat(f.path("out").isTextual() || f.path("err").isTextual()).isTrue();
            });
    return last.get("exit").asInt();
  }

  /** The server reads one line; what follows a line break is not part of the request. */
  private static String firstLine(String line) {
    return line.lines().findFirst().orElse("");
  }
}
