package dev.layercache.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Sends one logical request to a registry: authorization (challenge, then retry), redirects
 * (credentials never leave the registry's host), and retries with backoff.
 */
final class RegistryTransport {
  private static final int MAX_REDIRECTS = 10;
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

  /** {@code HttpClient.shutdownNow()}, from JDK 21 on; null before. */
  private static final MethodHandle SHUTDOWN_NOW = shutdownNow();

  private final HttpClient http;
  private final RegistryConfig config;
  private final RegistryAuth auth;

  RegistryTransport(RegistryConfig config) {
    this.config = config;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(config.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    this.auth = new RegistryAuth(config.credentials(), http, config.requestTimeout());
  }

  /**
   * Stops the HTTP client's selector thread. While it lives (in epoll_wait, native code) the JVM's
   * exit waits 300 ms for it, which was a sixth of a one-shot pull; JDK 17's client cannot be
   * stopped, and its thread ends only once the client is unreachable.
   */
  void close() {
    if (SHUTDOWN_NOW != null) {
      try {
        SHUTDOWN_NOW.invoke(http);
      } catch (Throwable e) {
        throw new IllegalStateException("HttpClient.shutdownNow failed", e);
      }
    }
  }

  private static MethodHandle shutdownNow() {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(HttpClient.class, "shutdownNow", MethodType.methodType(void.class));
    } catch (NoSuchMethodException | IllegalAccessException beforeJdk21) {
      return null;
    }
  }

  /** A request to one registry endpoint, with the token scopes it needs. */
  static final class Call {
    final String method;
    final URI endpoint;
    final URI uri;
    final List<String> scopes;
    final Map<String, String> headers = new LinkedHashMap<>();
    Supplier<BodyPublisher> body = BodyPublishers::noBody;
    Set<Integer> expected = Set.of(200);

    Call(String method, URI endpoint, URI uri, List<String> scopes) {
      this.method = method;
      this.endpoint = endpoint;
      this.uri = uri;
      this.scopes = scopes;
    }

    Call header(String name, String value) {
      headers.put(name, value);
      return this;
    }

    Call body(Supplier<BodyPublisher> body) {
      this.body = body;
      return this;
    }

    Call body(BlobContent content, long length) {
      return body(
          () ->
              BodyPublishers.fromPublisher(
                  BodyPublishers.ofInputStream(
                      () -> {
                        try {
                          return content.open();
                        } catch (IOException e) {
                          throw new UncheckedIOException(e);
                        }
                      }),
                  length));
    }

    Call expect(Integer... statuses) {
      this.expected = Set.of(statuses);
      return this;
    }

    @Override
    public String toString() {
      return method + " " + uri;
    }
  }

  /** Sends until an expected status arrives, a non-retryable answer comes, or attempts run out. */
  HttpResponse<InputStream> send(Call call) throws IOException {
    RetryPolicy retry = config.retry();
    for (int attempt = 1; ; attempt++) {
      String problem;
      Throwable cause = null;
      Optional<Duration> retryAfter = Optional.empty();
      try {
        HttpResponse<InputStream> response = sendOnce(call);
        int status = response.statusCode();
        if (call.expected.contains(status)) {
          return response;
        }
        byte[] body = readBody(response, 64 << 10, call);
        String hint =
            status == 401 && !auth.hasCredentials(call.endpoint)
                ? "; no credentials configured for " + call.endpoint.getRawAuthority()
                : "";
        RegistryException answer =
            RegistryException.fromResponse(call.toString(), status, body, hint);
        if (!RetryPolicy.isRetryable(status)) {
          throw answer;
        }
        problem = answer.getMessage();
        retryAfter =
            response
                .headers()
                .firstValue("Retry-After")
                .flatMap(v -> RetryPolicy.parseRetryAfter(v, Instant.now()));
      } catch (RegistryException | InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        problem = RegistryException.describe(e);
        cause = e;
      }
      if (attempt >= retry.maxAttempts()) {
        throw RegistryException.exhausted(call.toString(), attempt, problem, cause);
      }
      pause(retry.delay(attempt, retryAfter));
    }
  }

  private HttpResponse<InputStream> sendOnce(Call call) throws IOException {
    URI uri = call.uri;
    boolean challenged = false;
    for (int hops = 0; hops <= MAX_REDIRECTS; ) {
      boolean registryHost = sameAuthority(uri, call.endpoint);
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri)
              .method(call.method, call.body.get())
              .timeout(config.requestTimeout());
      call.headers.forEach(request::header);
      if (registryHost) {
        auth.authorization(call.endpoint, call.scopes)
            .ifPresent(value -> request.header("Authorization", value));
      }
      HttpResponse<InputStream> response = exchange(request.build());
      int status = response.statusCode();
      Optional<String> challenge = response.headers().firstValue("WWW-Authenticate");
      if (status == 401 && registryHost && !challenged && challenge.isPresent()) {
        challenged = true;
        if (auth.challenged(call.endpoint, call.scopes, challenge.get())) {
          discard(response);
          continue;
        }
        return response;
      }
      Optional<String> location = response.headers().firstValue("Location");
      boolean follow = call.method.equals("GET") || call.method.equals("HEAD");
      if (!REDIRECTS.contains(status) || !follow || location.isEmpty()) {
        return response;
      }
      discard(response);
      uri = uri.resolve(location.get());
      hops++;
    }
    throw new RegistryException(
        call + " was redirected more than " + MAX_REDIRECTS + " times", -1, List.of(), null);
  }

  private HttpResponse<InputStream> exchange(HttpRequest request) throws IOException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted: " + request.method() + " " + request.uri());
    }
  }

  static boolean sameAuthority(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && String.valueOf(a.getRawAuthority()).equalsIgnoreCase(b.getRawAuthority());
  }

  /** Reads a whole response body, refusing more than {@code limit} bytes. */
  static byte[] readBody(HttpResponse<InputStream> response, int limit, Call call)
      throws IOException {
    try (InputStream in = response.body()) {
      byte[] bytes = in.readNBytes(limit + 1);
      if (bytes.length > limit) {
        throw new IOException(call + ": response is larger than " + limit + " bytes");
      }
      return bytes;
    }
  }

  static void discard(HttpResponse<InputStream> response) throws IOException {
    response.body().close();
  }

  private static void pause(Duration delay) throws InterruptedIOException {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry");
    }
  }
}
