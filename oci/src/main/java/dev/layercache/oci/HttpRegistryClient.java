package dev.layercache.oci;

import dev.layercache.oci.RegistryTransport.Call;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link RegistryClient} over the OCI distribution HTTP API, using the JDK HTTP client; closing it
 * stops the client's thread (from JDK 21 on) and fails what it still has in flight.
 */
public final class HttpRegistryClient implements RegistryClient, AutoCloseable {
  private static final int MAX_MANIFEST_BYTES = 4 << 20;
  private static final String OCTET_STREAM = "application/octet-stream";

  private final RegistryConfig config;
  private final RegistryTransport transport;

  public HttpRegistryClient(RegistryConfig config) {
    this.config = config;
    this.transport = new RegistryTransport(config);
  }

  @Override
  public void close() {
    transport.close();
  }

  @Override
  public ManifestBlob fetchManifest(ImageReference ref) throws IOException {
    return fromPullEndpoints(
        ref,
        endpoint -> {
          Call call =
              new Call(
                      "GET",
                      endpoint,
                      url(endpoint, ref, "manifests/" + ref.manifestReference()),
                      pull(ref))
                  .header("Accept", MediaTypes.MANIFEST_ACCEPT);
          HttpResponse<InputStream> response = transport.send(call);
          byte[] bytes = RegistryTransport.readBody(response, MAX_MANIFEST_BYTES, call);
          Optional<Digest> expected = ref.digest();
          Digest actual =
              expected.map(d -> d.recompute(bytes)).orElseGet(() -> Digest.sha256(bytes));
          if (expected.isPresent() && !expected.get().equals(actual)) {
            throw new DigestMismatchException(
                expected.get(), "manifest from " + call.uri + " hashes to " + actual);
          }
          String contentType = response.headers().firstValue("Content-Type").orElse("");
          return ManifestBlob.of(bytes, contentType.split(";")[0].strip(), actual);
        });
  }

  @Override
  public InputStream openBlob(ImageReference repo, Descriptor blob, ProgressListener progress)
      throws IOException {
    return fromPullEndpoints(
        repo,
        endpoint -> {
          URI uri = url(endpoint, repo, "blobs/" + blob.digest());
          ResumableBlobStream stream =
              ResumableBlobStream.open(
                  offset -> openFrom(endpoint, uri, repo, offset),
                  blob.size(),
                  config.retry(),
                  progress,
                  blob.digest() + " from " + uri);
          return new VerifyingInputStream(stream, blob.digest(), blob.size());
        });
  }

  private ResumableBlobStream.Body openFrom(URI endpoint, URI uri, ImageReference repo, long offset)
      throws IOException {
    Call call = new Call("GET", endpoint, uri, pull(repo)).expect(200, 206);
    if (offset > 0) {
      call.header("Range", "bytes=" + offset + "-");
    }
    HttpResponse<InputStream> response = transport.send(call);
    long start = 0;
    if (response.statusCode() == 206) {
      // Content-Range: bytes <start>-<end>/<size>
      String range = response.headers().firstValue("Content-Range").orElse("bytes 0-");
      start = Long.parseLong(range.replaceFirst("^bytes\\s+", "").split("-")[0].strip());
    }
    return new ResumableBlobStream.Body(response.body(), start);
  }

  @Override
  public boolean blobExists(ImageReference repo, Digest digest) throws IOException {
    URI endpoint = config.endpoint(repo.registry());
    return exists(endpoint, repo, digest, pull(repo));
  }

  private boolean exists(URI endpoint, ImageReference repo, Digest digest, List<String> scopes)
      throws IOException {
    Call head =
        new Call("HEAD", endpoint, url(endpoint, repo, "blobs/" + digest), scopes).expect(200, 404);
    HttpResponse<InputStream> response = transport.send(head);
    RegistryTransport.discard(response);
    return response.statusCode() == 200;
  }

  @Override
  public BlobPushResult pushBlob(
      ImageReference repo, Descriptor blob, BlobContent content, Optional<String> mountFrom)
      throws IOException {
    URI endpoint = config.endpoint(repo.registry());
    List<String> scopes = new ArrayList<>(push(repo));
    mountFrom.ifPresent(from -> scopes.add("repository:" + from + ":pull"));
    if (exists(endpoint, repo, blob.digest(), scopes)) {
      return BlobPushResult.EXISTS;
    }
    String query =
        mountFrom
            .map(from -> "?mount=" + encode(blob.digest().toString()) + "&from=" + encode(from))
            .orElse("");
    Call start =
        new Call("POST", endpoint, url(endpoint, repo, "blobs/uploads/" + query), scopes)
            .expect(201, 202);
    HttpResponse<InputStream> started = transport.send(start);
    RegistryTransport.discard(started);
    if (started.statusCode() == 201 && mountFrom.isPresent()) {
      return BlobPushResult.MOUNTED;
    }
    // A 202 answer to a mount request is an ordinary upload session: upload after all.
    URI session = location(start, started);
    HttpResponse<InputStream> done =
        blob.size() > config.chunkSize()
            ? uploadChunked(endpoint, session, blob, content, scopes)
            : send(
                new Call("PUT", endpoint, withDigest(session, blob.digest()), scopes)
                    .header("Content-Type", OCTET_STREAM)
                    .body(content, blob.size())
                    .expect(201));
    checkStoredDigest(done, blob.digest());
    return BlobPushResult.UPLOADED;
  }

  private HttpResponse<InputStream> uploadChunked(
      URI endpoint, URI session, Descriptor blob, BlobContent content, List<String> scopes)
      throws IOException {
    long offset = 0;
    try (InputStream in = content.open()) {
      while (offset < blob.size()) {
        byte[] chunk = in.readNBytes((int) Math.min(config.chunkSize(), blob.size() - offset));
        if (chunk.length == 0) {
          throw new IOException(
              "content of " + blob.digest() + " ended at byte " + offset + " of " + blob.size());
        }
        Call patch =
            new Call("PATCH", endpoint, session, scopes)
                .header("Content-Type", OCTET_STREAM)
                .header("Content-Range", offset + "-" + (offset + chunk.length - 1))
                .body(() -> BodyPublishers.ofByteArray(chunk))
                .expect(202);
        HttpResponse<InputStream> accepted = send(patch);
        session = location(patch, accepted);
        offset += chunk.length;
      }
    }
    return send(new Call("PUT", endpoint, withDigest(session, blob.digest()), scopes).expect(201));
  }

  @Override
  public Digest pushManifest(ImageReference ref, String mediaType, byte[] manifest)
      throws IOException {
    Digest local =
        ref.digest().map(d -> d.recompute(manifest)).orElseGet(() -> Digest.sha256(manifest));
    if (ref.digest().isPresent() && !ref.digest().get().equals(local)) {
      throw new DigestMismatchException(ref.digest().get(), "manifest to push hashes to " + local);
    }
    URI endpoint = config.endpoint(ref.registry());
    Call put =
        new Call(
                "PUT",
                endpoint,
                url(endpoint, ref, "manifests/" + ref.manifestReference()),
                push(ref))
            .header("Content-Type", mediaType)
            .body(() -> BodyPublishers.ofByteArray(manifest))
            .expect(201);
    checkStoredDigest(send(put), local);
    return local;
  }

  private HttpResponse<InputStream> send(Call call) throws IOException {
    HttpResponse<InputStream> response = transport.send(call);
    RegistryTransport.discard(response);
    return response;
  }

  private static void checkStoredDigest(HttpResponse<InputStream> response, Digest expected)
      throws DigestMismatchException {
    Optional<String> stored = response.headers().firstValue("Docker-Content-Digest");
    if (stored.isPresent()
        && stored.get().startsWith(expected.algorithm() + ":")
        && !stored.get().equals(expected.toString())) {
      throw new DigestMismatchException(expected, "the registry stored it as " + stored.get());
    }
  }

  /** Runs {@code call} against each pull endpoint in turn; the last failure wins. */
  private <T> T fromPullEndpoints(ImageReference ref, EndpointCall<T> call) throws IOException {
    IOException failure = null;
    for (URI endpoint : config.pullEndpoints(ref.registry())) {
      try {
        return call.apply(endpoint);
      } catch (IOException e) {
        if (failure != null) {
          e.addSuppressed(failure);
        }
        failure = e;
      }
    }
    throw failure;
  }

  @FunctionalInterface
  private interface EndpointCall<T> {
    T apply(URI endpoint) throws IOException;
  }

  private static URI url(URI endpoint, ImageReference ref, String suffix) {
    return URI.create(endpoint + "/v2/" + ref.repository() + "/" + suffix);
  }

  private static URI location(Call call, HttpResponse<InputStream> response) throws IOException {
    String location =
        response
            .headers()
            .firstValue("Location")
            .orElseThrow(() -> new IOException(call + " answered without a Location header"));
    return call.uri.resolve(location);
  }

  private static URI withDigest(URI session, Digest digest) {
    String s = session.toString();
    return URI.create(s + (s.contains("?") ? "&" : "?") + "digest=" + encode(digest.toString()));
  }

  private static List<String> pull(ImageReference ref) {
    return List.of("repository:" + ref.repository() + ":pull");
  }

  private static List<String> push(ImageReference ref) {
    return List.of("repository:" + ref.repository() + ":pull,push");
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
