package dev.layercache.oci.testing;

import dev.layercache.oci.BlobContent;
import dev.layercache.oci.BlobPushResult;
import dev.layercache.oci.Descriptor;
import dev.layercache.oci.Digest;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.ManifestBlob;
import dev.layercache.oci.ProgressListener;
import dev.layercache.oci.RegistryClient;
import dev.layercache.oci.RegistryException;
import dev.layercache.oci.VerifyingInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link RegistryClient} over in-memory maps, for unit tests that need a registry's answers. */
public final class InMemoryRegistryClient implements RegistryClient {
  private record Stored(String mediaType, byte[] bytes) {}

  private final Map<String, Stored> manifests = new ConcurrentHashMap<>();
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();

  @Override
  public ManifestBlob fetchManifest(ImageReference ref) throws IOException {
    Stored stored = manifests.get(ref.name() + "/" + ref.manifestReference());
    if (stored == null) {
      throw notFound("MANIFEST_UNKNOWN", "manifest unknown", ref.toString());
    }
    return ManifestBlob.of(stored.bytes(), stored.mediaType(), Digest.sha256(stored.bytes()));
  }

  @Override
  public InputStream openBlob(ImageReference repo, Descriptor blob, ProgressListener progress)
      throws IOException {
    byte[] bytes = blobs.get(repo.name() + "/" + blob.digest());
    if (bytes == null) {
      throw notFound("BLOB_UNKNOWN", "blob unknown to registry", blob.digest().toString());
    }
    progress.progress(bytes.length, blob.size());
    return new VerifyingInputStream(new ByteArrayInputStream(bytes), blob.digest(), blob.size());
  }

  @Override
  public boolean blobExists(ImageReference repo, Digest digest) {
    return blobs.containsKey(repo.name() + "/" + digest);
  }

  @Override
  public BlobPushResult pushBlob(
      ImageReference repo, Descriptor blob, BlobContent content, Optional<String> mountFrom)
      throws IOException {
    String key = repo.name() + "/" + blob.digest();
    if (blobs.containsKey(key)) {
      return BlobPushResult.EXISTS;
    }
    byte[] source =
        mountFrom
            .map(from -> blobs.get(repo.registry() + "/" + from + "/" + blob.digest()))
            .orElse(null);
    if (source != null) {
      blobs.put(key, source);
      return BlobPushResult.MOUNTED;
    }
    try (InputStream in = new VerifyingInputStream(content.open(), blob.digest(), blob.size())) {
      blobs.put(key, in.readAllBytes());
    }
    return BlobPushResult.UPLOADED;
  }

  @Override
  public Digest pushManifest(ImageReference ref, String mediaType, byte[] manifest) {
    Digest digest = Digest.sha256(manifest);
    Stored stored = new Stored(mediaType, manifest.clone());
    manifests.put(ref.name() + "/" + digest, stored);
    ref.tag()
        .filter(t -> ref.digest().isEmpty())
        .ifPresent(t -> manifests.put(ref.name() + "/" + t, stored));
    return digest;
  }

  private static RegistryException notFound(String code, String message, String what) {
    return new RegistryException(
        code + ": " + message + " (" + what + ")",
        404,
        List.of(new RegistryException.Error(code, message)),
        null);
  }
}
