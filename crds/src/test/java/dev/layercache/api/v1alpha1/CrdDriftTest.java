package dev.layercache.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed {@code crds/*.yaml} must equal what crd-generator-maven-plugin generates from the
 * Java types, printer columns in the order the types declare them ({@link PrinterColumnOrder}). The
 * Helm chart installs the same files from deploy/helm/layercache/crds/. Refresh them with {@code
 * ./mvnw -pl crds verify -Dlayercache.updateCrds=true}.
 */
class CrdDriftTest {

  private static final String REFRESH =
      "the committed CRD differs from the one generated from the Java types; refresh it with"
          + " `./mvnw -pl crds verify -Dlayercache.updateCrds=true` and commit crds/*.yaml and deploy/helm/layercache/crds/";

  @Test
  void committedCrdsMatchTheGeneratedOnes() throws IOException {
    boolean update = Boolean.getBoolean("layercache.updateCrds");
    assertThat(ProjectFiles.generatedCrds()).as("generated CRDs").hasSize(3);
    for (Path generated : ProjectFiles.generatedCrds()) {
      Path committed = ProjectFiles.committedCrdFor(generated);
      String plural = generated.getFileName().toString().split("\\.", 2)[0];
      String expected = PrinterColumnOrder.asDeclared(plural, Files.readString(generated));
      Path inChart = ProjectFiles.CHART_CRDS.resolve(committed.getFileName());
      if (update) {
        Files.writeString(committed, expected);
        Files.writeString(inChart, expected);
      }
      for (Path copy : List.of(committed, inChart)) {
        assertThat(copy).as(REFRESH).exists();
        assertThat(Files.readString(copy)).as(copy + ": " + REFRESH).isEqualTo(expected);
      }
    }
  }

  @Test
  void everyCommittedCrdIsGenerated() {
    assertThat(ProjectFiles.committedCrds())
        .as("crds/*.yaml without a Java type behind them; delete them")
        .containsExactlyInAnyOrderElementsOf(
            ProjectFiles.generatedCrds().stream().map(ProjectFiles::committedCrdFor).toList());
  }
}
