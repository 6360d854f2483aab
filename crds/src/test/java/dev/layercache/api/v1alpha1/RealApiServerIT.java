package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.api.testing.KubeControlPlane;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The committed CRDs on a real kube-apiserver: OpenAPI schema, CEL rules, pruning, the status
 * subresource and generation, as a cluster enforces them for every writer.
 */
@ExtendWith(KubeControlPlane.class)
class RealApiServerIT {
  private static final Map<String, Class<? extends CustomResource<?, ?>>> KINDS =
      Map.of(
          "LayerCache", LayerCache.class,
          "OverlayWorkspace", OverlayWorkspace.class,
          "NodeCache", NodeCache.class);

  @Test
  void everyExampleIsCreatedAndReadBackWithItsSpec(KubernetesClient client) throws IOException {
    for (Path example : ProjectFiles.examples()) {
      CustomResource<?, ?> resource = load(client, example);
      // The examples share names with other tests' objects only by accident: make them unique.
      resource.getMetadata().setName("example-" + resource.getMetadata().getName());
      CustomResource<?, ?> created = client.resource(resource).create();
      assertThat(created.getMetadata().getGeneration()).as(example.toString()).isEqualTo(1L);
      assertThat(client.resource(resource).get().getSpec())
          .as(example.toString())
          .usingRecursiveComparison()
          .isEqualTo(resource.getSpec());
    }
  }

  @Test
  void aWorkspaceBreakingThreeRulesIsRefusedWithEachRulesMessage(KubernetesClient client) {
    GenericKubernetesResource broken =
        object(
            client,
            """
            apiVersion: layercache.dev/v1alpha1
            kind: OverlayWorkspace
            metadata: {name: breaks-three-rules, namespace: default}
            spec:
              image: busybox:1
              nodeName: worker-1
              nodeSelector: {matchLabels: {pool: build}}
              upper: {sizeLimit: ten-gigs}
              commit: {image: "registry.example/snap@sha256:%s"}
            """
                .formatted("a".repeat(64)));

    assertRefused(() -> client.resource(broken).create())
        .hasMessageContaining("set nodeName or nodeSelector, not both")
        .hasMessageContaining("sizeLimit must be a byte quantity such as 512Mi or 10Gi")
        .hasMessageContaining("commit.image must be a tag reference, not a digest");
  }

  @Test
  void aWorkspacesImageAndNodeCannotChange(KubernetesClient client) {
    GenericKubernetesResource workspace =
        object(
            client,
            """
            apiVersion: layercache.dev/v1alpha1
            kind: OverlayWorkspace
            metadata: {name: immutable-fields, namespace: default}
            spec: {image: "busybox:1", nodeName: a}
            """);
    client.resource(workspace).create();
    var resource = client.genericKubernetesResources("layercache.dev/v1alpha1", "OverlayWorkspace");
    var created = resource.inNamespace("default").withName("immutable-fields");

    assertRefused(
            () ->
                created.patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\":{\"image\":\"busybox:2\",\"nodeName\":\"b\"}}"))
        .hasMessageContaining("image is immutable; create a new workspace for another image")
        .hasMessageContaining("nodeName is immutable once set");

    // Writing the same values again is an update that keeps them: allowed.
    created.patch(
        PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}},\"spec\":{\"image\":\"busybox:1\"}}");
    assertThat(created.get().getMetadata().getLabels()).containsEntry("touched", "yes");
  }

  @Test
  void aSelectorExpressionWithoutValuesIsRefused(KubernetesClient client) {
    GenericKubernetesResource selector =
        object(
            client,
            """
            apiVersion: layercache.dev/v1alpha1
            kind: LayerCache
            metadata: {name: in-without-values}
            spec:
              images: ["busybox:1"]
              nodeSelector:
                matchExpressions: [{key: pool, operator: In}]
            """);

    assertRefused(() -> client.resource(selector).create())
        .hasMessageContaining("In and NotIn need values; Exists and DoesNotExist take none");
  }

  @Test
  void anImageReferenceBreakingTheSchemaPatternIsRefused(KubernetesClient client) {
    GenericKubernetesResource uppercase =
        object(
            client,
            """
            apiVersion: layercache.dev/v1alpha1
            kind: OverlayWorkspace
            metadata: {name: uppercase-repository, namespace: default}
            spec: {image: "docker.io/Library/python:3.12", nodeName: worker-1}
            """);

    assertRefused(() -> client.resource(uppercase).create()).hasMessageContaining("spec.image");
  }

  @Test
  void unknownFieldsArePruned(KubernetesClient client) {
    GenericKubernetesResource withExtras =
        object(
            client,
            """
            apiVersion: layercache.dev/v1alpha1
            kind: LayerCache
            metadata: {name: unknown-fields}
            spec:
              images: ["busybox:1"]
              imagez: ["busybox:2"]
              nodeSelector: {matchLabels: {pool: build}, pool: build}
            """);

    GenericKubernetesResource stored = client.resource(withExtras).create();

    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) stored.getAdditionalProperties().get("spec");
    assertThat(spec).containsKeys("images", "nodeSelector").doesNotContainKey("imagez");
    assertThat(spec.get("nodeSelector")).isEqualTo(Map.of("matchLabels", Map.of("pool", "build")));
  }

  @Test
  void statusIsWrittenOnlyThroughTheStatusSubresource(KubernetesClient client) {
    LayerCache layerCache = layerCache("status-only-by-subresource");
    layerCache.setStatus(status("0/1"));
    var stored = client.resources(LayerCache.class).withName("status-only-by-subresource");

    LayerCache created = client.resource(layerCache).create();
    assertThat(created.getStatus()).as("status is dropped on create").isNull();

    created.setStatus(status("1/1"));
    LayerCache updated = client.resource(created).update();
    assertThat(updated.getStatus()).as("status is ignored on an update of the object").isNull();

    stored.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"readyNodes\":\"2/2\"}}");
    assertThat(stored.get().getStatus()).as("status ignored on a patch of the object").isNull();

    stored
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"readyNodes\":\"1/1\"}}");
    LayerCache withStatus = stored.get();
    assertThat(withStatus.getStatus().getReadyNodes()).isEqualTo("1/1");

    stored
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"images\":[\"busybox:2\"]},\"status\":{\"readyNodes\":\"0/1\"}}");
    assertThat(stored.get().getSpec().getImages())
        .as("spec is ignored on the status subresource")
        .containsExactly("busybox:1");
  }

  @Test
  void conditionsTakeTrueFalseAndUnknownOnEveryKind(KubernetesClient client) {
    // Unquoted True and False in the CRD YAML once made kubectl install the enum as booleans.
    String conditions =
        "{\"status\":{\"conditions\":["
            + "{\"type\":\"Ready\",\"status\":\"True\"},"
            + "{\"type\":\"Degraded\",\"status\":\"False\"},"
            + "{\"type\":\"Resolved\",\"status\":\"Unknown\"}]}}";
    List<GenericKubernetesResource> objects =
        List.of(
            object(
                client,
                """
                apiVersion: layercache.dev/v1alpha1
                kind: LayerCache
                metadata: {name: conditions}
                spec: {images: ["busybox:1"]}
                """),
            object(
                client,
                """
                apiVersion: layercache.dev/v1alpha1
                kind: OverlayWorkspace
                metadata: {name: conditions, namespace: default}
                spec: {image: "busybox:1"}
                """),
            object(
                client,
                """
                apiVersion: layercache.dev/v1alpha1
                kind: NodeCache
                metadata: {name: conditions}
                spec: {}
                """));
    for (GenericKubernetesResource object : objects) {
      var stored = client.resource(object);
      stored.create();
      GenericKubernetesResource written =
          stored.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), conditions);
      List<Map<String, Object>> statuses = written.get("status", "conditions");
      assertThat(statuses)
          .as(object.getKind())
          .extracting(condition -> condition.get("status"))
          .containsExactly("True", "False", "Unknown");
    }
  }

  @Test
  void generationChangesOnlyWithTheSpec(KubernetesClient client) {
    client.resource(layerCache("generation")).create();
    var stored = client.resources(LayerCache.class).withName("generation");
    assertThat(stored.get().getMetadata().getGeneration()).isEqualTo(1L);

    stored.patch(
        PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}");
    stored
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"readyNodes\":\"0/1\"}}");
    stored.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"images\":[\"busybox:1\"]}}");
    assertThat(stored.get().getMetadata().getGeneration())
        .as("labels, status, and a spec written unchanged")
        .isEqualTo(1L);

    stored.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"images\":[\"busybox:2\"]}}");
    assertThat(stored.get().getMetadata().getGeneration()).isEqualTo(2L);
  }

  @Test
  void aNodeCacheOwnedByItsNodeIsCollectedWithIt(KubernetesClient client) {
    // What the operator relies on: kube-controller-manager's garbage collector follows the owner
    // reference from a cluster-scoped custom resource to its Node.
    Node node =
        client
            .resource(
                new NodeBuilder().withNewMetadata().withName("collected").endMetadata().build())
            .create();
    NodeCache nodeCache = new NodeCache();
    nodeCache.getMetadata().setName("collected");
    nodeCache
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("Node")
                    .withName("collected")
                    .withUid(node.getMetadata().getUid())
                    .build()));
    nodeCache.setSpec(new NodeCacheSpec());
    client.resource(nodeCache).create();

    client.nodes().withName("collected").delete();

    client
        .resources(NodeCache.class)
        .withName("collected")
        .waitUntilCondition(Objects::isNull, 60, TimeUnit.SECONDS);
  }

  private static LayerCache layerCache(String name) {
    LayerCache layerCache = new LayerCache();
    layerCache.getMetadata().setName(name);
    LayerCacheSpec spec = new LayerCacheSpec();
    spec.setImages(List.of("busybox:1"));
    layerCache.setSpec(spec);
    return layerCache;
  }

  private static LayerCacheStatus status(String readyNodes) {
    LayerCacheStatus status = new LayerCacheStatus();
    status.setReadyNodes(readyNodes);
    return status;
  }

  /** The server answered 422 Unprocessable Entity: refused by the schema or a CEL rule. */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(Runnable write) {
    return assertThatThrownBy(write::run)
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
  }

  private static GenericKubernetesResource object(KubernetesClient client, String yaml) {
    return client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
  }

  private static CustomResource<?, ?> load(KubernetesClient client, Path example)
      throws IOException {
    GenericKubernetesResource generic;
    try (InputStream in = Files.newInputStream(example)) {
      generic = client.getKubernetesSerialization().unmarshal(in, GenericKubernetesResource.class);
    }
    assertThat(KINDS).as(example + ": kind").containsKey(generic.getKind());
    try (InputStream in = Files.newInputStream(example)) {
      return client.resources(KINDS.get(generic.getKind())).load(in).item();
    }
  }
}
