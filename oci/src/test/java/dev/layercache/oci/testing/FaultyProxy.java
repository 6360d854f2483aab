package dev.layercache.oci.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.layercache.oci.ImageReference;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * An HTTP proxy on loopback in front of a registry that misbehaves on request: cuts blob downloads
 * short, answers 503/429, flips a byte, ignores Range, redirects blobs elsewhere. It records every
 * request so tests can check what the client did.
 *
 * <pre>{@code
 * try (FaultyProxy proxy = FaultyProxy.start(registry.url())) {
 *   proxy.dropBlobDownloadsAfter(1000, 1);
 *   client.openBlob(proxy.reference(ref), layer).readAllBytes();
 * }
 * }</pre>
 */
public final class FaultyProxy implements AutoCloseable {
  private static final Pattern BLOB_PATH = Pattern.compile("/v2/.+/blobs/sha(256|512):[a-f0-9]+");
  private static final Set<String> HOP_HEADERS =
      Set.of(
          "connection",
          "content-length",
          "transfer-encoding",
          "host",
          "upgrade",
          "expect",
          "keep-alive",
          "date");

  /** A request as the proxy received it; header names are lowercase. */
  public record RecordedRequest(String method, String path, Map<String, String> headers) {
    public Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final URI upstream;
  private final HttpClient http =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .version(HttpClient.Version.HTTP_1_1)
          .build();
  private final List<RecordedRequest> requests = Collections.synchronizedList(new ArrayList<>());

  private final AtomicInteger failuresLeft = new AtomicInteger();
  private final AtomicInteger dropsLeft = new AtomicInteger();
  private volatile int failureStatus;
  private volatile String retryAfter;
  private volatile long dropAfterBytes = -1;
  private volatile long corruptOffset = -1;
  private volatile boolean ignoreRange;
  private volatile URI redirectBlobsTo;
  private volatile long blobBytesPerSecond = -1;

  private FaultyProxy(URI upstream) throws IOException {
    this.upstream = upstream;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts a proxy forwarding to {@code upstream} (e.g. {@code http://127.0.0.1:5000}). */
  public static FaultyProxy start(URI upstream) throws IOException {
    return new FaultyProxy(upstream);
  }

  public String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  public URI url() {
    return URI.create("http://" + host());
  }

  /** The same repository, tag and digest, reached through this proxy. */
  public ImageReference reference(ImageReference ref) {
    String tail = ref.toString().substring(ref.registry().length());
    return ImageReference.parse(host() + tail);
  }

  /** Answers the next {@code count} requests with {@code status} (and Retry-After, if given). */
  public void failNext(int count, int status, String retryAfterHeader) {
    failureStatus = status;
    retryAfter = retryAfterHeader;
    failuresLeft.set(count);
  }

  /** Answers every request with {@code status}. */
  public void failAlways(int status) {
    failNext(Integer.MAX_VALUE, status, null);
  }

  /**
   * Cuts the connection after {@code bytes} body bytes of the next {@code times} blob downloads.
   */
  public void dropBlobDownloadsAfter(long bytes, int times) {
    dropAfterBytes = bytes;
    dropsLeft.set(times);
  }

  /** Flips the byte at blob offset {@code offset} in every blob download. */
  public void corruptBlobByteAt(long offset) {
    corruptOffset = offset;
  }

  /** Drops Range headers, so the registry always sends whole blobs. */
  public void ignoreRange() {
    ignoreRange = true;
  }

  /** Answers blob GETs with 307 to {@code base} + the same path. */
  public void redirectBlobsTo(URI base) {
    redirectBlobsTo = base;
  }

  /** Sends blob bodies at no more than {@code bytesPerSecond}, to catch a client mid-download. */
  public void throttleBlobs(long bytesPerSecond) {
    blobBytesPerSecond = bytesPerSecond;
  }

  /** Clears faults and recorded requests. */
  public void reset() {
    failuresLeft.set(0);
    dropsLeft.set(0);
    dropAfterBytes = -1;
    corruptOffset = -1;
    ignoreRange = false;
    redirectBlobsTo = null;
    blobBytesPerSecond = -1;
    requests.clear();
  }

  public List<RecordedRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getRawPath();
    Map<String, String> headers = new TreeMap<>();
    exchange
        .getRequestHeaders()
        .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
    requests.add(new RecordedRequest(method, path, headers));
    boolean blobGet = method.equals("GET") && BLOB_PATH.matcher(path).matches();
    try (InputStream requestBody = exchange.getRequestBody()) {
      byte[] body = requestBody.readAllBytes();
      if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        if (retryAfter != null) {
          exchange.getResponseHeaders().set("Retry-After", retryAfter);
        }
        respond(
            exchange,
            failureStatus,
            "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":"
                + "\"injected by FaultyProxy\"}]}");
        return;
      }
      if (blobGet && redirectBlobsTo != null) {
        exchange.getResponseHeaders().set("Location", redirectBlobsTo + path);
        exchange.sendResponseHeaders(307, -1);
        exchange.close();
        return;
      }
      forward(exchange, method, body, headers, blobGet);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exchange.close();
    }
  }

  private void forward(
      HttpExchange exchange,
      String method,
      byte[] body,
      Map<String, String> headers,
      boolean blobGet)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(
        (name, value) -> {
          if (!HOP_HEADERS.contains(name) && !(ignoreRange && name.equals("range"))) {
            request.header(name, value);
          }
        });
    // The registry builds Location URLs from these, so uploads keep coming through the proxy.
    request.header("X-Forwarded-Host", host());
    request.header("X-Forwarded-Proto", "http");
    HttpResponse<InputStream> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    response
        .headers()
        .map()
        .forEach(
            (name, values) -> {
              if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, values);
              }
            });
    // -1: no Content-Length, so the body is chunked.
    long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
    int status = response.statusCode();
    if (method.equals("HEAD") || status == 204 || status == 304 || length == 0) {
      if (method.equals("HEAD") && length > 0) {
        exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
      }
      response.body().close();
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
      return;
    }
    exchange.sendResponseHeaders(status, length < 0 ? 0 : length);
    long blobOffset = blobGet && status == 206 ? rangeStart(response) : 0;
    boolean drop =
        blobGet && dropAfterBytes >= 0 && dropsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    copyBody(response.body(), exchange.getResponseBody(), blobGet, blobOffset, drop);
    exchange.close();
  }

  private void copyBody(
      InputStream from, OutputStream to, boolean blob, long blobOffset, boolean drop)
      throws IOException {
    try (InputStream in = from) {
      byte[] buffer = new byte[8192];
      long sent = 0;
      int n;
      while ((n = in.read(buffer)) > 0) {
        if (blob && corruptOffset >= blobOffset + sent && corruptOffset < blobOffset + sent + n) {
          buffer[(int) (corruptOffset - blobOffset - sent)] ^= (byte) 0xff;
        }
        if (drop && sent + n >= dropAfterBytes) {
          to.write(buffer, 0, (int) (dropAfterBytes - sent));
          to.flush();
          // Escaping the handler makes the server close the connection mid-body.
          throw new IllegalStateException("FaultyProxy dropped the connection");
        }
        to.write(buffer, 0, n);
        sent += n;
        long rate = blobBytesPerSecond;
        if (blob && rate > 0) {
          to.flush();
          pause(n * 1000L / rate);
        }
      }
    }
  }

  private static void pause(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("FaultyProxy interrupted", e);
    }
  }

  private static long rangeStart(HttpResponse<?> response) {
    String range = response.headers().firstValue("Content-Range").orElse("bytes 0-");
    return Long.parseLong(range.replaceFirst("^bytes\\s+", "").split("-")[0].strip());
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
