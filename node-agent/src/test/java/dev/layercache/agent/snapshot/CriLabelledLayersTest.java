package dev.layercache.agent.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryException;
import dev.layercache.oci.testing.InMemoryRegistryClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CRI labels of a Prepare: a layer to fetch, or none, and then containerd unpacks it. */
class CriLabelledLayersTest {
  static final String CHAIN = "sha256:" + "c".repeat(64);
  static final String LAYER = "sha256:" + "d".repeat(64);

  @TempDir Path root;

  CriLabelledLayers layers() {
    return new CriLabelledLayers(
        new InMemoryRegistryClient(), null, null, root, Platform.parse("linux/amd64"));
  }

  @Test
  void labelsNamingNoImageThisPullReadsNameNoLayer() throws Exception {
    for (Map<String, String> labels :
        List.of(
            Map.of(Labels.CRI_IMAGE_REF, "Not A Reference", Labels.CRI_LAYER_DIGEST, LAYER),
            Map.of(
                Labels.CRI_IMAGE_REF,
                "registry.local/app:1",
                Labels.CRI_MANIFEST_DIGEST,
                "sha256:short",
                Labels.CRI_LAYER_DIGEST,
                LAYER))) {
      assertThat(layers().fetch(CHAIN, null, labels)).as("%s", labels).isEmpty();
    }
  }

  @Test
  void anImageTheRegistryDoesNotHaveIsTheRegistrysAnswer() {
    assertThatThrownBy(
            () ->
                layers()
                    .fetch(
                        CHAIN,
                        null,
                        Map.of(
                            Labels.CRI_IMAGE_REF,
                            "registry.local/app:1",
                            Labels.CRI_LAYER_DIGEST,
                            LAYER)))
        .isInstanceOf(RegistryException.class);
  }
}
