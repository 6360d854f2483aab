package dev.layercache.api.v1alpha1.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layercache.api.v1alpha1.CommitSpec;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheSpec;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.LocalSecretRef;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.OverlayWorkspaceSpec;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.api.v1alpha1.UpperLayerSpec;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SpecValidatorTest {

  private static final String DIFF_A = "sha256:" + "a".repeat(64);
  private static final String DIFF_B = "sha256:" + "b".repeat(64);
  private static final String EMPTY = "is empty (null); remove the entry or give it a value";

  @Test
  void aMinimalLayerCacheIsValid() {
    assertThat(SpecValidator.validate(layerCache(spec -> {}))).isEmpty();
  }

  @Test
  void layerCacheNeedsASpecAndAnImage() {
    assertThat(SpecValidator.validate(new LayerCache())).containsExactly("spec: is required");
    assertThat(SpecValidator.validate(layerCache(spec -> spec.setImages(List.of()))))
        .containsExactly("spec.images: at least one image is required");
  }

  @Test
  void layerCacheImagesAreReferencesListedOnce() {
    LayerCache lc =
        layerCache(
            spec -> spec.setImages(List.of("busybox:1.36", "docker.io/X/y", "busybox:1.36")));
    assertThat(SpecValidator.validate(lc))
        .containsExactly(
            "spec.images[1]: \"docker.io/X/y\" is not a valid image reference: repository must be"
                + " lowercase",
            "spec.images[2]: \"busybox:1.36\" is listed twice");
  }

  @Test
  void layerCacheFieldRules() {
    LayerCache lc =
        layerCache(
            spec -> {
              spec.setPlatforms(List.of("linux/amd64", "linux"));
              spec.setRefreshInterval("1 hour");
              spec.setMaxConcurrentNodes(-1);
              SecretRef secret = new SecretRef();
              secret.setName("regcred");
              spec.setPullSecrets(List.of(secret));
            });
    assertThat(SpecValidator.validate(lc))
        .containsExactly(
            "spec.platforms[1]: \"linux\" is not a platform: use os/arch or os/arch/variant, e.g."
                + " linux/amd64",
            "spec.pullSecrets[0].namespace: is required",
            "spec.refreshInterval: \"1 hour\" is not a duration: use Go duration syntax such as"
                + " 30m, 1h or 1h30m",
            "spec.maxConcurrentNodes: must be 0 or more, got -1");
  }

  @Test
  void durationsFollowGo() {
    for (String ok : List.of("0s", "1h", "1h30m", "1.5h", "300ms", "10µs", "2us")) {
      assertThat(SpecValidator.validate(layerCache(spec -> spec.setRefreshInterval(ok))))
          .as(ok)
          .isEmpty();
    }
    for (String bad : List.of("", "1", "h", "-1h", "1d", "1h ")) {
      assertThat(SpecValidator.validate(layerCache(spec -> spec.setRefreshInterval(bad))))
          .as(bad)
          .hasSize(1);
    }
  }

  @Test
  void labelSelectorOperatorsAndValues() {
    LabelSelector selector =
        new LabelSelectorBuilder()
            .addNewMatchExpression()
            .withKey("pool")
            .withOperator("In")
            .endMatchExpression()
            .addNewMatchExpression()
            .withKey("gpu")
            .withOperator("Exists")
            .withValues("yes")
            .endMatchExpression()
            .addNewMatchExpression()
            .withKey("zone")
            .withOperator("Near")
            .endMatchExpression()
            .build();
    assertThat(SpecValidator.validate(layerCache(spec -> spec.setNodeSelector(selector))))
        .containsExactly(
            "spec.nodeSelector.matchExpressions[0].values: In needs at least one value",
            "spec.nodeSelector.matchExpressions[1].values: Exists takes no values",
            "spec.nodeSelector.matchExpressions[2].operator: \"Near\" is not one of In, NotIn,"
                + " Exists, DoesNotExist");
  }

  @Test
  void aMinimalWorkspaceIsValid() {
    assertThat(SpecValidator.validate(workspace(spec -> {}))).isEmpty();
  }

  @Test
  void workspaceNodeNameAndSelectorAreExclusive() {
    OverlayWorkspace ows =
        workspace(
            spec -> {
              spec.setNodeName("Worker_1");
              spec.setNodeSelector(new LabelSelector());
            });
    assertThat(SpecValidator.validate(ows))
        .containsExactly(
            "spec.nodeName: \"Worker_1\" is not a valid name: lowercase letters, digits and '-'"
                + " or '.', starting and ending with a letter or digit, at most 253 characters",
            "spec: set nodeName or nodeSelector, not both");
  }

  @Test
  void workspaceUpperTtlAndCommit() {
    OverlayWorkspace ows =
        workspace(
            spec -> {
              UpperLayerSpec upper = new UpperLayerSpec();
              upper.setSizeLimit(new Quantity("10 GB"));
              spec.setUpper(upper);
              spec.setTtlSecondsAfterReady(-5L);
              CommitSpec commit = new CommitSpec();
              commit.setImage("registry.example/team/snap@sha256:" + "c".repeat(64));
              LocalSecretRef push = new LocalSecretRef();
              push.setName("Push");
              commit.setPushSecret(push);
              spec.setCommit(commit);
            });
    assertThat(SpecValidator.validate(ows))
        .containsExactly(
            "spec.upper.sizeLimit: \"10 GB\" is not a byte quantity: use a number with an optional"
                + " unit such as 512Mi, 10Gi or 1G",
            "spec.ttlSecondsAfterReady: must be 0 or more, got -5",
            "spec.commit.image: must be a tag reference, not a digest",
            "spec.commit.pushSecret.name: \"Push\" is not a valid name: lowercase letters, digits"
                + " and '-' or '.', starting and ending with a letter or digit, at most 253"
                + " characters");
  }

  @Test
  void sizeLimitsAcceptQuantitiesAndPlainBytes() {
    for (String ok : List.of("10Gi", "512Mi", "1G", "1073741824", "1e9", "1.5Gi")) {
      UpperLayerSpec upper = new UpperLayerSpec();
      upper.setSizeLimit(new Quantity(ok));
      assertThat(SpecValidator.validate(workspace(spec -> spec.setUpper(upper)))).as(ok).isEmpty();
    }
  }

  @Test
  void workspaceImageIsImmutableAndNodeNameOnceSet() {
    OverlayWorkspace before = workspace(spec -> spec.setNodeName("worker-1"));
    OverlayWorkspace after =
        workspace(
            spec -> {
              spec.setImage("busybox:1.37");
              spec.setNodeName("worker-2");
            });
    assertThat(SpecValidator.validateUpdate(before, after))
        .containsExactly(
            "spec.image: is immutable (was \"busybox:1.36\", now \"busybox:1.37\"); create a new"
                + " workspace for another image",
            "spec.nodeName: is immutable once set (was \"worker-1\", now \"worker-2\")");
    OverlayWorkspace unscheduled = workspace(spec -> {});
    assertThat(SpecValidator.validateUpdate(unscheduled, before)).isEmpty();
  }

  @Test
  void nodeCacheLayersAndWorkspaces() {
    NodeCache nc = new NodeCache();
    NodeCacheSpec spec = new NodeCacheSpec();
    LayerRef good = layer(DIFF_A);
    LayerRef bad = layer("sha256:ABC");
    bad.getSources().get(0).setRepository("Library/python");
    spec.setLayers(List.of(good, bad, layer(DIFF_A)));
    WorkspaceRef ws = new WorkspaceRef();
    ws.setUid("u1");
    ws.setNamespace("default");
    ws.setName("scratch");
    ws.setLowers(List.of(DIFF_A, DIFF_B));
    spec.setWorkspaces(List.of(ws));
    nc.setSpec(spec);
    assertThat(SpecValidator.validate(nc))
        .containsExactly(
            "spec.layers[1].diffID: \"sha256:ABC\" is not a digest: use sha256: followed by 64"
                + " lowercase hex digits",
            "spec.layers[1].sources[0].repository: \"Library/python\" is not a repository:"
                + " lowercase letters and digits, separated by '/', '.', '_', '__' or '-'",
            "spec.layers[2].diffID: " + DIFF_A + " is listed twice",
            "spec.workspaces[0].lowers[1]: " + DIFF_B + " is not in spec.layers");
  }

  @Test
  void anEmptyListEntryIsAProblemAtItsPath() {
    // "- " or "null" in a YAML list arrives as a null element (a fuzzer found the first one).
    LayerCache lc =
        layerCache(
            spec -> {
              spec.setPlatforms(Arrays.asList("linux/amd64", null));
              spec.setPullSecrets(Arrays.asList((SecretRef) null));
              LabelSelector selector = new LabelSelector();
              selector.setMatchExpressions(Arrays.asList((LabelSelectorRequirement) null));
              spec.setNodeSelector(selector);
            });
    assertThat(SpecValidator.validate(lc))
        .containsExactly(
            "spec.nodeSelector.matchExpressions[0]: " + EMPTY,
            "spec.platforms[1]: " + EMPTY,
            "spec.pullSecrets[0]: " + EMPTY);
    assertThat(
            SpecValidator.validate(
                workspace(spec -> spec.setPullSecrets(Arrays.asList((LocalSecretRef) null)))))
        .containsExactly("spec.pullSecrets[0]: " + EMPTY);
    NodeCacheSpec spec = new NodeCacheSpec();
    LayerRef sourceless = layer(DIFF_A);
    sourceless.setSources(Arrays.asList((LayerSource) null));
    spec.setLayers(Arrays.asList(null, sourceless));
    spec.setWorkspaces(Arrays.asList((WorkspaceRef) null));
    NodeCache nc = new NodeCache();
    nc.setSpec(spec);
    assertThat(SpecValidator.validate(nc))
        .containsExactly(
            "spec.layers[0]: " + EMPTY,
            "spec.layers[1].sources[0]: " + EMPTY,
            "spec.workspaces[0]: " + EMPTY);
  }

  private static LayerCache layerCache(Consumer<LayerCacheSpec> edit) {
    LayerCacheSpec spec = new LayerCacheSpec();
    spec.setImages(List.of("busybox:1.36"));
    edit.accept(spec);
    LayerCache lc = new LayerCache();
    lc.setSpec(spec);
    return lc;
  }

  private static OverlayWorkspace workspace(Consumer<OverlayWorkspaceSpec> edit) {
    OverlayWorkspaceSpec spec = new OverlayWorkspaceSpec();
    spec.setImage("busybox:1.36");
    edit.accept(spec);
    OverlayWorkspace ows = new OverlayWorkspace();
    ows.setSpec(spec);
    return ows;
  }

  private static LayerRef layer(String diffId) {
    LayerSource source = new LayerSource();
    source.setRegistry("docker.io");
    source.setRepository("library/python");
    LayerRef layer = new LayerRef();
    layer.setDigest("sha256:" + "d".repeat(64));
    layer.setDiffID(diffId);
    layer.setSize(10L);
    layer.setSources(List.of(source));
    return layer;
  }
}
