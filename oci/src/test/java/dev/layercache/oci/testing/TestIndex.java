package dev.layercache.oci.testing;

import dev.layercache.oci.Digest;
import dev.layercache.oci.ImageIndex;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.RegistryClient;
import java.io.IOException;
import java.util.List;

/** A multi-platform image built in memory: an OCI index or Docker manifest list and its images. */
public record TestIndex(String mediaType, byte[] json, List<TestImage> images) {

  public static TestIndex of(ImageFormat format, TestImage... images) {
    List<TestImage> list = List.of(images);
    ImageIndex index =
        new ImageIndex(format.indexMediaType(), list.stream().map(TestImage::descriptor).toList());
    return new TestIndex(format.indexMediaType(), index.toJson(), list);
  }

  public Digest digest() {
    return Digest.sha256(json);
  }

  /** Pushes every image by digest, then the index under the reference's tag. */
  public Digest push(RegistryClient client, ImageReference ref) throws IOException {
    for (TestImage image : images) {
      image.push(client, ref.withDigest(image.digest()));
    }
    return client.pushManifest(ref, mediaType, json);
  }
}
