package dev.layercache.oci;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads images from and writes images to an OCI distribution registry. Every failure is an {@link
 * IOException}; registry answers are {@link RegistryException}s with the registry's own error text.
 */
public interface RegistryClient {

  /** Fetches a manifest or index by tag or digest, verifying it when the reference has a digest. */
  ManifestBlob fetchManifest(ImageReference ref) throws IOException;

  /**
   * Opens a blob of {@code repo}. The stream follows redirects, resumes broken downloads, and at
   * end of stream throws {@link DigestMismatchException} unless size and digest matched.
   */
  InputStream openBlob(ImageReference repo, Descriptor blob, ProgressListener progress)
      throws IOException;

  boolean blobExists(ImageReference repo, Digest digest) throws IOException;

  /**
   * Makes {@code blob} exist in {@code repo}: skipped if present, else mounted from {@code
   * mountFrom} (a repository on the same registry) if given and the registry agrees, else uploaded.
   */
  BlobPushResult pushBlob(
      ImageReference repo, Descriptor blob, BlobContent content, Optional<String> mountFrom)
      throws IOException;

  /** Puts a manifest under the reference's tag (or digest) and returns its digest. */
  Digest pushManifest(ImageReference ref, String mediaType, byte[] manifest) throws IOException;

  /** Resolves a tag or digest to one platform's manifest, config and layers. */
  default ResolvedImage resolve(ImageReference ref, Platform platform) throws IOException {
    return new ImageResolver(this).resolve(ref, platform);
  }

  default InputStream openBlob(ImageReference repo, Descriptor blob) throws IOException {
    return openBlob(repo, blob, ProgressListener.NONE);
  }

  /** Downloads a verified blob to {@code target}; on failure nothing is left behind. */
  default void fetchBlob(
      ImageReference repo, Descriptor blob, Path target, ProgressListener progress)
      throws IOException {
    BlobFiles.write(openBlob(repo, blob, progress), target);
  }

  default void fetchBlob(ImageReference repo, Descriptor blob, Path target) throws IOException {
    fetchBlob(repo, blob, target, ProgressListener.NONE);
  }

  default BlobPushResult pushBlob(ImageReference repo, Descriptor blob, BlobContent content)
      throws IOException {
    return pushBlob(repo, blob, content, Optional.empty());
  }
}
