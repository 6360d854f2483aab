package dev.layercache.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What apply -f refuses before it does anything, and how it says so. */
class ManifestsTest {
  @TempDir Path dir;

  static final String WORKSPACE =
      "apiVersion: layercache.dev/v1alpha1\nkind: OverlayWorkspace\n"
          + "metadata: {name: w, namespace: dev}\nspec:\n  image: registry.local/app:1\n";

  String refusal(String yaml) throws Exception {
    Path file = dir.resolve("object.yaml");
    Files.writeString(file, yaml);
    try {
      Manifests.read(List.of(file));
    } catch (BadInputException e) {
      assertThat(e.getMessage()).startsWith(file.toString());
      return e.getMessage();
    }
    throw new AssertionError("accepted: " + yaml);
  }

  @Test
  void unknownFieldsAtAnyDepthAreRefusedWithASuggestion() throws Exception {
    assertThat(refusal(WORKSPACE + "  upper: {sizeLimt: 1Gi}\n"))
        .contains("OverlayWorkspace dev/w", "spec.upper.sizeLimt: unknown field")
        .contains("did you mean sizeLimit?");
    assertThat(refusal(WORKSPACE + "  upper: {reclaimPolicyy: Retain}\n"))
        .contains("spec.upper.reclaimPolicyy: unknown field (did you mean reclaimPolicy?)");
    assertThat(refusal(WORKSPACE + "  imagePullPolicy: Always\n"))
        .contains("spec.imagePullPolicy: unknown field");
    assertThat(refusal(WORKSPACE + "  mount: {readOnly: true}\n"))
        .contains("spec.mount.readOnly: unknown field");
    assertThat(refusal(WORKSPACE.replace("namespace: dev", "namespace: dev, bogus: 1")))
        .contains("metadata.bogus: unknown field");
    assertThat(
            refusal(
                "apiVersion: layercache.dev/v1alpha1\nkind: LayerCache\nmetadata: {name: c}\n"
                    + "spec:\n  imagez: [a:1]\n"))
        .contains("LayerCache c", "spec.imagez: unknown field (did you mean images?)");
    assertThat(refusal(WORKSPACE.replace("spec:", "spec2: {}\nspec:")))
        .contains("spec2: unknown field");
  }

  @Test
  void knownFieldsMapsAndListsPass() throws Exception {
    Path file = dir.resolve("ok.yaml");
    Files.writeString(
        file,
        WORKSPACE
            + "  nodeSelector: {matchLabels: {pool: build}}\n"
            + "  pullSecrets: [{name: regcred}]\n"
            + "  upper: {reclaimPolicy: Retain, sizeLimit: 1Gi}\n"
            + "  mount: {allowSetuid: true}\n");
    assertThat(Manifests.read(List.of(file))).hasSize(1);
  }

  @Test
  void aSelectorWrittenAsAPlainMapIsRefused() throws Exception {
    assertThat(refusal(WORKSPACE + "  nodeSelector: {pool: build}\n"))
        .contains("spec.nodeSelector.pool: unknown field");
  }

  @Test
  void typeErrorsSpeakTheUsersLanguage() throws Exception {
    assertThat(refusal(WORKSPACE + "  upper: {reclaimPolicy: Keep}\n"))
        .contains("spec.upper.reclaimPolicy: must be one of Delete, Retain, got \"Keep\"")
        .doesNotContain("dev.layercache", "Cannot deserialize");
    assertThat(refusal(WORKSPACE + "  pullSecrets: {name: regcred}\n"))
        .contains("spec.pullSecrets: expected a list")
        .doesNotContain("LinkedHashMap", "java.");
    Path binary = dir.resolve("binary.yaml");
    Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0xc3, 0x28});
    assertThatThrownBy(() -> Manifests.read(List.of(binary)))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(binary.toString())
        .hasMessageNotContaining("java.");
  }

  @Test
  void namesThatCannotBeWorkspaceNamesAreRefused() throws Exception {
    assertThat(refusal(WORKSPACE.replace("namespace: dev", "namespace: a.x")))
        .contains("metadata.namespace: \"a.x\" is not a DNS label");
    String longName = "n".repeat(250);
    assertThat(refusal(WORKSPACE.replace("name: w,", "name: " + longName + ",")))
        .contains("at most 253 characters");
  }
}
