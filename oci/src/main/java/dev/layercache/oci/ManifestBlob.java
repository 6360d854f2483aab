package dev.layercache.oci;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A manifest or index exactly as the registry sent it, with its digest and its media type (from the
 * content's own {@code mediaType}, else the Content-Type header, else detected by shape).
 */
public record ManifestBlob(String mediaType, Digest digest, byte[] bytes) {

  /** Works out the media type of {@code bytes}; {@code contentType} may be empty. */
  public static ManifestBlob of(byte[] bytes, String contentType, Digest digest)
      throws InvalidManifestException {
    JsonNode node = Json.read(bytes, "manifest " + digest);
    if (node.path("schemaVersion").asInt() == 1
        || contentType.startsWith("application/vnd.docker.distribution.manifest.v1")) {
      throw new InvalidManifestException(
          "manifest " + digest + " is Docker schema 1, which is not supported; repush the image");
    }
    String declared = Json.text(node, "mediaType");
    String mediaType;
    if (!declared.isEmpty()) {
      mediaType = declared;
    } else if (MediaTypes.isIndex(contentType) || MediaTypes.isManifest(contentType)) {
      mediaType = contentType;
    } else if (node.has("manifests")) {
      mediaType = MediaTypes.OCI_INDEX;
    } else if (node.has("config") && node.has("layers")) {
      mediaType = MediaTypes.OCI_MANIFEST;
    } else {
      throw new InvalidManifestException(
          "manifest " + digest + " is neither an image manifest nor an index");
    }
    if (!MediaTypes.isIndex(mediaType) && !MediaTypes.isManifest(mediaType)) {
      throw new InvalidManifestException(
          "manifest " + digest + " has unsupported media type " + mediaType);
    }
    return new ManifestBlob(mediaType, digest, bytes.clone());
  }

  public boolean isIndex() {
    return MediaTypes.isIndex(mediaType);
  }
}
