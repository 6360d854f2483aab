package dev.layercache.oci;

import static dev.layercache.oci.testing.TestImages.AMD64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.oci.testing.ImageBuilder;
import dev.layercache.oci.testing.InMemoryRegistryClient;
import dev.layercache.oci.testing.TestImage;
import dev.layercache.oci.testing.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageResolverTest {
  private final InMemoryRegistryClient client = new InMemoryRegistryClient();
  private final ImageReference ref = ImageReference.parse("registry.test/app:1");

  @Test
  void configWithFewerDiffIdsThanLayersIsRejected() throws IOException {
    TestImage image =
        ImageBuilder.oci(AMD64)
            .layer(TestImages.appLayer(), Compression.GZIP)
            .layer(TestImages.changeLayer(), Compression.GZIP)
            .build();
    byte[] brokenConfig =
        new String(image.configJson(), StandardCharsets.UTF_8)
            .replaceFirst("\"diff_ids\":\\[\"[^\"]+\",", "\"diff_ids\":[")
            .getBytes(StandardCharsets.UTF_8);
    Descriptor configDescriptor = Descriptor.of(MediaTypes.OCI_CONFIG, brokenConfig);
    ImageManifest manifest =
        new ImageManifest(MediaTypes.OCI_MANIFEST, configDescriptor, image.layerDescriptors());
    client.pushBlob(ref, configDescriptor, BlobContent.of(brokenConfig));
    client.pushManifest(ref, MediaTypes.OCI_MANIFEST, manifest.toJson());

    assertThatThrownBy(() -> client.resolve(ref, AMD64))
        .isInstanceOf(InvalidManifestException.class)
        .hasMessageContaining("config lists 1 diff_ids but manifest")
        .hasMessageContaining("has 2 layers");
  }

  @Test
  void schema1ManifestsAreRefusedClearly() {
    byte[] schema1 = "{\"schemaVersion\":1,\"name\":\"app\",\"fsLayers\":[]}".getBytes();
    client.pushManifest(ref, "application/vnd.docker.distribution.manifest.v1+prettyjws", schema1);

    assertThatThrownBy(() -> client.resolve(ref, AMD64))
        .isInstanceOf(InvalidManifestException.class)
        .hasMessageContaining("Docker schema 1");
  }

  @Test
  void manifestTypeIsDetectedFromBodyHeaderOrShape() throws IOException {
    Digest d = Digest.sha256(new byte[0]);
    byte[] bareManifest = "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}".getBytes();
    byte[] bareIndex = "{\"schemaVersion\":2,\"manifests\":[]}".getBytes();
    byte[] dockerList =
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + MediaTypes.DOCKER_MANIFEST_LIST
                + "\",\"manifests\":[]}")
            .getBytes();

    assertThat(ManifestBlob.of(bareManifest, "", d).mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(ManifestBlob.of(bareIndex, "application/json", d).mediaType())
        .isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(ManifestBlob.of(bareManifest, MediaTypes.DOCKER_MANIFEST, d).mediaType())
        .isEqualTo(MediaTypes.DOCKER_MANIFEST);
    assertThat(ManifestBlob.of(dockerList, MediaTypes.OCI_INDEX, d).isIndex()).isTrue();
    assertThatThrownBy(() -> ManifestBlob.of("{\"hello\":1}".getBytes(), "", d))
        .hasMessageContaining("neither an image manifest nor an index");
    assertThatThrownBy(() -> ManifestBlob.of("not json".getBytes(), "", d))
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void resolvedImageSumsLayerSizes() throws IOException {
    TestImage image = TestImages.sample(dev.layercache.oci.testing.ImageFormat.OCI, AMD64);
    image.push(client, ref);

    ResolvedImage resolved = client.resolve(ref, AMD64);

    assertThat(resolved.compressedSize())
        .isEqualTo(image.layers().stream().mapToLong(l -> l.bytes().length).sum());
    assertThat(resolved.layers()).extracting(Layer::diffId).isEqualTo(image.diffIds());
    assertThat(List.copyOf(resolved.config().history())).hasSize(4);
  }
}
