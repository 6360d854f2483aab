package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.layercache.api.v1alpha1.validation.SpecValidator;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Installs the committed CRDs into fabric8's CRUD mock API server and creates every example of
 * deploy/examples. The mock enforces the CRDs' scope and status subresource but not their schema,
 * so schema rules are shown through {@link SpecValidator}, which states the same rules.
 */
@EnableKubernetesMockClient(crud = true)
class ExamplesTest {

  private static final Map<String, Class<? extends CustomResource<?, ?>>> KINDS =
      Map.of(
          "LayerCache", LayerCache.class,
          "OverlayWorkspace", OverlayWorkspace.class,
          "NodeCache", NodeCache.class);

  private static final ObjectMapper YAML = new YAMLMapper();

  static KubernetesClient client;

  @BeforeAll
  static void installCrds() throws IOException {
    for (Path crd : ProjectFiles.committedCrds()) {
      try (InputStream in = Files.newInputStream(crd)) {
        client.apiextensions().v1().customResourceDefinitions().load(in).create();
      }
    }
  }

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
  void everyExampleIsCreatedAndReadBackUnchanged() throws IOException {
    for (Path example : ProjectFiles.examples()) {
      CustomResource<?, ?> resource = load(example);
      CustomResource<?, ?> created = client.resource(resource).create();
      CustomResource<?, ?> readBack = client.resource(resource).get();
      assertThat(created.getMetadata().getGeneration()).as(example.toString()).isEqualTo(1L);
      assertThat(readBack.getSpec()).as(example.toString()).isEqualTo(resource.getSpec());
    }
  }

  @Test
  void examplesUseOnlyFieldsTheApiDefines() throws IOException {
    // The types ignore unknown fields, so a misspelt field would vanish silently: compare the
    // file's spec with the spec the Java types write back.
    for (Path example : ProjectFiles.examples()) {
      JsonNode written = YAML.readTree(example.toFile()).get("spec");
      String serialized = client.getKubernetesSerialization().asJson(load(example).getSpec());
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

  @Test
  void theMockStoresWhatTheSchemaRejectsSoSpecValidatorCatchesIt() {
    OverlayWorkspace broken = new OverlayWorkspace();
    broken.getMetadata().setName("broken");
    broken.getMetadata().setNamespace("default");
    OverlayWorkspaceSpec spec = new OverlayWorkspaceSpec();
    spec.setImage("docker.io/Library/python:3.12");
    spec.setNodeName("worker-1");
    spec.setNodeSelector(new LabelSelectorBuilder().addToMatchLabels("pool", "build").build());
    broken.setSpec(spec);

    // A real API server answers 422 (pattern, CEL rule); the mock keeps the object.
    assertThat(client.resource(broken).create().getSpec()).isEqualTo(spec);

    assertThat(SpecValidator.validate(broken))
        .containsExactly(
            "spec.image: \"docker.io/Library/python:3.12\" is not a valid image reference:"
                + " repository must be lowercase",
            "spec: set nodeName or nodeSelector, not both");
  }

  @Test
  void statusIsASubresource() {
    LayerCache layerCache = new LayerCache();
    layerCache.getMetadata().setName("status-subresource");
    LayerCacheSpec spec = new LayerCacheSpec();
    spec.setImages(List.of("busybox:1.36"));
    layerCache.setSpec(spec);
    LayerCacheStatus status = new LayerCacheStatus();
    status.setReadyNodes("0/1");
    layerCache.setStatus(status);

    LayerCache created = client.resource(layerCache).create();
    assertThat(created.getStatus()).as("status is dropped on create").isNull();

    created.setStatus(status);
    LayerCache updated = client.resource(created).updateStatus();
    assertThat(updated.getStatus().getReadyNodes()).isEqualTo("0/1");
    assertThat(updated.getMetadata().getGeneration()).isEqualTo(1L);
  }

  private static CustomResource<?, ?> load(Path example) throws IOException {
    String kind = YAML.readTree(example.toFile()).get("kind").asText();
    assertThat(KINDS).as(example + ": kind").containsKey(kind);
    try (InputStream in = Files.newInputStream(example)) {
      return client.resources(KINDS.get(kind)).load(in).item();
    }
  }
}
