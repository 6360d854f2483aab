package dev.layercache.api.v1alpha1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where the tests find the generated and committed CRDs and the examples. */
final class ProjectFiles {

  /** The crds module; Maven runs tests there and passes it as {@code basedir}. */
  static final Path CRDS_MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();

  /** Where crd-generator-maven-plugin writes {@code <plural>.<group>-v1.yml}. */
  static final Path GENERATED_CRDS = CRDS_MODULE.resolve("target/classes/META-INF/fabric8");

  /** The Helm chart's copies of the committed CRDs. */
  static final Path CHART_CRDS = CRDS_MODULE.getParent().resolve("deploy/helm/layercache/crds");

  static final Path EXAMPLES = CRDS_MODULE.getParent().resolve("deploy/examples");

  private ProjectFiles() {}

  /** The committed CRD for a generated one: {@code crds/<plural>.<group>.yaml}. */
  static Path committedCrdFor(Path generated) {
    String name = generated.getFileName().toString().replace("-v1.yml", ".yaml");
    return CRDS_MODULE.resolve(name);
  }

  static List<Path> generatedCrds() {
    return list(GENERATED_CRDS, 1, ".yml");
  }

  static List<Path> committedCrds() {
    return list(CRDS_MODULE, 1, ".yaml");
  }

  /** The examples of layercache's own kinds (not the Pods under {@code pods/}). */
  static List<Path> examples() {
    return list(EXAMPLES, Integer.MAX_VALUE, ".yaml").stream()
        .filter(p -> !p.startsWith(POD_EXAMPLES))
        .toList();
  }

  /** Pods using workspace.layercache.dev volumes. */
  static final Path POD_EXAMPLES = EXAMPLES.resolve("pods");

  static List<Path> podExamples() {
    return list(POD_EXAMPLES, 1, ".yaml");
  }

  private static List<Path> list(Path dir, int depth, String suffix) {
    try (Stream<Path> files = Files.walk(dir, depth)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().endsWith(suffix))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
