package dev.layercache.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authorization per registry endpoint: remembers each endpoint's challenge (Basic or Bearer) and
 * caches bearer tokens per scope until they expire.
 */
final class RegistryAuth {
  private static final long DEFAULT_TOKEN_SECONDS = 60;
  // A longer expires_in is taken as a day: the service's number must not overflow the clock.
  private static final long MAX_TOKEN_SECONDS = 24 * 60 * 60;

  record Token(String value, Instant expires) {}

  private final CredentialStore credentials;
  private final HttpClient http;
  private final Duration timeout;
  private final Map<String, AuthChallenge> challenges = new ConcurrentHashMap<>();
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();

  RegistryAuth(CredentialStore credentials, HttpClient http, Duration timeout) {
    this.credentials = credentials;
    this.http = http;
    this.timeout = timeout;
  }

  /** The Authorization header for a request to {@code endpoint}, once its scheme is known. */
  Optional<String> authorization(URI endpoint, List<String> scopes) throws IOException {
    String authority = endpoint.getRawAuthority();
    AuthChallenge challenge = challenges.get(authority);
    if (challenge == null) {
      return Optional.empty();
    }
    if (challenge.isBasic()) {
      return basicCredentials(authority).map(RegistryCredentials::basicAuthorization);
    }
    if (challenge.isBearer()) {
      Token token = tokens.get(key(authority, scopes));
      if (token == null || token.expires().isBefore(Instant.now())) {
        token = fetchToken(authority, challenge, scopes);
      }
      return Optional.of("Bearer " + token.value());
    }
    return Optional.empty();
  }

  /** Learns from a 401; true when a retry with fresh authorization may succeed. */
  boolean challenged(URI endpoint, List<String> scopes, String wwwAuthenticate) throws IOException {
    Optional<AuthChallenge> parsed = AuthChallenge.parse(wwwAuthenticate);
    if (parsed.isEmpty()) {
      return false;
    }
    String authority = endpoint.getRawAuthority();
    AuthChallenge challenge = parsed.get();
    challenges.put(authority, challenge);
    if (challenge.isBasic()) {
      return hasCredentials(endpoint);
    }
    if (challenge.isBearer()) {
      List<String> wanted =
          scopes.isEmpty() && !challenge.param("scope").isEmpty()
              ? List.of(challenge.param("scope"))
              : scopes;
      fetchToken(authority, challenge, wanted);
      return true;
    }
    return false;
  }

  boolean hasCredentials(URI endpoint) {
    return basicCredentials(endpoint.getRawAuthority()).isPresent();
  }

  /** A username and password; an entry with only an identity token is not for this client. */
  private Optional<RegistryCredentials> basicCredentials(String authority) {
    return credentials.forRegistry(authority).filter(c -> !c.username().isEmpty());
  }

  private Token fetchToken(String authority, AuthChallenge challenge, List<String> scopes)
      throws IOException {
    URI uri = tokenUri(authority, challenge, scopes);
    String realm = challenge.param("realm");
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(timeout);
    Optional<RegistryCredentials> creds = basicCredentials(authority);
    creds.ifPresent(c -> request.header("Authorization", c.basicAuthorization()));
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while fetching a token from " + realm);
    }
    int status = response.statusCode();
    if (status != 200) {
      if (RetryPolicy.isRetryable(status)) {
        throw new IOException("token service " + realm + " answered " + status);
      }
      String hint = creds.isEmpty() ? "; no credentials configured for " + authority : "";
      throw RegistryException.fromResponse("GET " + realm, status, response.body(), hint);
    }
    Token token = readToken(response.body(), realm, Instant.now());
    tokens.put(key(authority, scopes), token);
    return token;
  }

  /** Where to ask for a token: the challenge's realm, with its service and the scopes. */
  static URI tokenUri(String authority, AuthChallenge challenge, List<String> scopes)
      throws RegistryException {
    String realm = challenge.param("realm");
    if (realm.isEmpty()) {
      throw new RegistryException(
          "registry " + authority + " asked for a bearer token but named no realm",
          401,
          List.of(),
          null);
    }
    StringBuilder query = new StringBuilder();
    if (!challenge.param("service").isEmpty()) {
      query.append("service=").append(encode(challenge.param("service")));
    }
    for (String scope : scopes) {
      query.append(query.length() > 0 ? "&" : "").append("scope=").append(encode(scope));
    }
    URI uri;
    try {
      uri = new URI(realm + (realm.contains("?") ? "&" : "?") + query);
    } catch (URISyntaxException e) {
      uri = null;
    }
    // The realm is the registry's word: only an absolute http(s) URL is fetched.
    if (uri == null
        || uri.getHost() == null
        || !("https".equalsIgnoreCase(uri.getScheme())
            || "http".equalsIgnoreCase(uri.getScheme()))) {
      throw new RegistryException(
          "registry " + authority + " named an invalid token realm \"" + realm + "\"",
          401,
          List.of(),
          null);
    }
    return uri;
  }

  /** A token service's answer: {@code token} (or OAuth's {@code access_token}), expires_in. */
  static Token readToken(byte[] body, String realm, Instant now) throws IOException {
    JsonNode json;
    try {
      json = Json.read(body, "token response from " + realm);
    } catch (InvalidManifestException e) {
      throw new IOException(e.getMessage(), e);
    }
    String value = Json.text(json, "token");
    if (value.isEmpty()) {
      value = Json.text(json, "access_token");
    }
    if (value.isEmpty()) {
      throw new IOException("token service " + realm + " answered without a token");
    }
    long seconds =
        Math.min(json.path("expires_in").asLong(DEFAULT_TOKEN_SECONDS), MAX_TOKEN_SECONDS);
    // Renew a little early so a token does not expire between check and use.
    Instant expires = now.plusSeconds(Math.max(seconds - Math.min(10, seconds / 2), 1));
    return new Token(value, expires);
  }

  private static String key(String authority, List<String> scopes) {
    return authority + " " + String.join(" ", scopes.stream().sorted().toList());
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
