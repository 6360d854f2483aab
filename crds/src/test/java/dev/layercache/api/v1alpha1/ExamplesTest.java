package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.layercache.api.v1alpha1.validation.SpecValidator;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The examples of deploy/examples without a server: every kind is there, no field is misspelt, and
 * {@link SpecValidator} (the rules as the operator and the CLI check them) finds nothing. {@code
 * RealApiServerIT} creates them on a real API server.
 */
class ExamplesTest {

  private static final Map<String, Class<? extends CustomResource<?, ?>>> KINDS =
      Map.of(
          "LayerCache", LayerCache.class,
          "OverlayWorkspace", OverlayWorkspace.class,
          "NodeCache", NodeCache.class);

  private static final ObjectMapper YAML = new YAMLMapper();

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  @Test
  void thereIsAnExampleOfEachKindAndAStandaloneOne() {
    assertThat(ProjectFiles.examples())
        .extracting(p -> ProjectFiles.EXAMPLES.relativize(p).toString())
        .contains(
            "layercache.yaml",
            "overlayworkspace.yaml",
            "nodecache.yaml",
            "standalone/layercache.yaml",
            "standalone/overlayworkspace.yaml");
  }

  @Test
  void examplesUseOnlyFieldsTheApiDefines() throws IOException {
    // The types ignore unknown fields, so a misspelt field would vanish silently: compare the
    // file's spec with the spec the Java types write back.
    for (Path example : ProjectFiles.examples()) {
      JsonNode written = YAML.readTree(example.toFile()).get("spec");
      String serialized = SERIALIZATION.asJson(load(example).getSpec());
      assertThat(YAML.readTree(serialized)).as(example.toString()).isEqualTo(written);
    }
  }

  @Test
  void examplesAreValid() throws IOException {
    for (Path example : ProjectFiles.examples()) {
      CustomResource<?, ?> resource = load(example);
      List<String> problems;
      if (resource instanceof LayerCache layerCache) {
        problems = SpecValidator.validate(layerCache);
      } else if (resource instanceof OverlayWorkspace workspace) {
        problems = SpecValidator.validate(workspace);
      } else {
        problems = SpecValidator.validate((NodeCache) resource);
      }
      assertThat(problems).as(example.toString()).isEmpty();
    }
  }

  private static CustomResource<?, ?> load(Path example) throws IOException {
    String kind = YAML.readTree(example.toFile()).get("kind").asText();
    assertThat(KINDS).as(example + ": kind").containsKey(kind);
    try (InputStream in = Files.newInputStream(example)) {
      return SERIALIZATION.unmarshal(in, KINDS.get(kind));
    }
  }
}
