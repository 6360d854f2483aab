package dev.layercache.oci.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * A Docker token service on loopback, as the distribution registry's {@code auth.token} expects:
 * issues RS256 JWTs granting the requested scopes to the configured user, and empty grants to
 * anonymous callers. The signing certificate is made with the JDK's keytool.
 */
public final class TokenServer implements AutoCloseable {
  public static final String SERVICE = "layercache-test-registry";
  public static final String ISSUER = "layercache-test-token-issuer";

  /** A token request as the server saw it. */
  public record TokenRequest(String service, List<String> scopes, boolean authenticated) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final char[] STORE_PASSWORD = "changeit".toCharArray();

  private final HttpServer server;
  private final Path certificate;
  private final PrivateKey key;
  private final String keyId;
  private final String expectedAuthorization;
  private final List<TokenRequest> requests = Collections.synchronizedList(new ArrayList<>());

  private TokenServer(
      HttpServer server, Path certificate, PrivateKey key, PublicKey publicKey, String auth)
      throws GeneralSecurityException {
    this.server = server;
    this.certificate = certificate;
    this.key = key;
    this.keyId = libtrustKeyId(publicKey);
    this.expectedAuthorization = auth;
  }

  /** Starts a token server that accepts {@code username}/{@code password}. */
  public static TokenServer start(Path dir, String username, String password) throws IOException {
    try {
      Path keystore = dir.resolve("token-signing.p12");
      run(
          Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
          "-genkeypair",
          "-alias",
          "token",
          "-keyalg",
          "RSA",
          "-keysize",
          "2048",
          "-validity",
          "2",
          "-dname",
          "CN=layercache test token signer",
          "-storetype",
          "PKCS12",
          "-keystore",
          keystore.toString(),
          "-storepass",
          new String(STORE_PASSWORD));
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = new FileInputStream(keystore.toFile())) {
        store.load(in, STORE_PASSWORD);
      }
      Certificate cert = store.getCertificate("token");
      Path pem = dir.resolve("token-signing.crt");
      Files.writeString(
          pem,
          "-----BEGIN CERTIFICATE-----\n"
              + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                  .encodeToString(cert.getEncoded())
              + "\n-----END CERTIFICATE-----\n");
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      String auth =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
      TokenServer tokens =
          new TokenServer(
              server,
              pem,
              (PrivateKey) store.getKey("token", STORE_PASSWORD),
              cert.getPublicKey(),
              auth);
      server.createContext("/token", tokens::handle);
      server.start();
      return tokens;
    } catch (GeneralSecurityException | InterruptedException e) {
      throw new IOException("cannot set up the token signing key", e);
    }
  }

  /** The realm URL to configure in the registry. */
  public URI realm() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
  }

  /** The PEM certificate the registry verifies tokens with. */
  public Path certificate() {
    return certificate;
  }

  public List<TokenRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String service = "";
      List<String> scopes = new ArrayList<>();
      String query = exchange.getRequestURI().getRawQuery();
      for (String pair : query == null ? new String[0] : query.split("&")) {
        String[] kv = pair.split("=", 2);
        String value = kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
        if (kv[0].equals("service")) {
          service = value;
        } else if (kv[0].equals("scope")) {
          scopes.addAll(List.of(value.split(" ")));
        }
      }
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      boolean authenticated = expectedAuthorization.equals(authorization);
      requests.add(new TokenRequest(service, List.copyOf(scopes), authenticated));
      if (authorization != null && !authenticated) {
        respond(
            exchange,
            401,
            "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"invalid username or password\"}]}");
        return;
      }
      ObjectNode body = JSON.createObjectNode();
      String token = sign(service, authenticated ? scopes : List.of());
      body.put("token", token);
      body.put("access_token", token);
      body.put("expires_in", 300);
      body.put("issued_at", Instant.now().toString());
      respond(exchange, 200, JSON.writeValueAsString(body));
    } catch (GeneralSecurityException e) {
      respond(exchange, 500, "{\"error\":\"" + e + "\"}");
    }
  }

  private String sign(String service, List<String> scopes) throws GeneralSecurityException {
    long now = Instant.now().getEpochSecond();
    ObjectNode header = JSON.createObjectNode();
    header.put("typ", "JWT");
    header.put("alg", "RS256");
    header.put("kid", keyId);
    ObjectNode claims = JSON.createObjectNode();
    claims.put("iss", ISSUER);
    claims.put("sub", "layercache-test");
    claims.put("aud", service);
    claims.put("exp", now + 300);
    claims.put("nbf", now - 10);
    claims.put("iat", now);
    claims.put("jti", UUID.randomUUID().toString());
    ArrayNode access = claims.putArray("access");
    for (String scope : scopes) {
      // repository:<name>:<actions>; the name itself has no ':'.
      String[] parts = scope.split(":");
      if (parts.length == 3) {
        ObjectNode grant = access.addObject();
        grant.put("type", parts[0]);
        grant.put("name", parts[1]);
        ArrayNode actions = grant.putArray("actions");
        List.of(parts[2].split(",")).forEach(actions::add);
      }
    }
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        b64.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(key);
    rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + b64.encodeToString(rsa.sign());
  }

  // The registry finds the signing key by libtrust key ID: base32 of the first 240 bits of the
  // SHA-256 of the DER public key, in colon-separated groups of four.
  static String libtrustKeyId(PublicKey key) throws GeneralSecurityException {
    byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
    String b32 = base32(java.util.Arrays.copyOf(hash, 30));
    List<String> groups = new ArrayList<>();
    for (int i = 0; i < b32.length(); i += 4) {
      groups.add(b32.substring(i, i + 4));
    }
    return String.join(":", groups);
  }

  private static String base32(byte[] data) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    StringBuilder out = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
  }
}
