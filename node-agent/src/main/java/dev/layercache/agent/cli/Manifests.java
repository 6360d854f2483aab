package dev.layercache.agent.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.layercache.agent.standalone.StandaloneReconciler;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.validation.SpecValidator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads LayerCache and OverlayWorkspace objects from YAML or JSON files (a directory: its {@code
 * *.yaml}, {@code *.yml} and {@code *.json} files, sorted), and validates every one of them before
 * anything is done. A problem is a {@link BadInputException} naming the file, the object and the
 * field.
 */
final class Manifests {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final String API_VERSION = "layercache.dev/v1alpha1";

  private Manifests() {}

  static List<HasMetadata> read(List<Path> paths) throws IOException {
    List<HasMetadata> objects = new ArrayList<>();
    for (Path path : paths) {
      for (Path file : files(path)) {
        readFile(file, objects);
      }
    }
    return objects;
  }

  private static List<Path> files(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      try (Stream<Path> entries = Files.list(path)) {
        List<Path> files =
            entries
                .filter(Files::isRegularFile)
                .filter(p -> p.toString().matches(".*\\.(ya?ml|json)$"))
                .sorted()
                .toList();
        if (files.isEmpty()) {
          throw new BadInputException(path + ": no .yaml, .yml or .json files");
        }
        return files;
      }
    }
    if (!Files.isRegularFile(path)) {
      throw new BadInputException(path + ": no such file or directory");
    }
    return List.of(path);
  }

  private static void readFile(Path file, List<HasMetadata> objects) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      while (it.hasNextValue()) {
        JsonNode doc = it.nextValue();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(doc);
        }
      }
    } catch (JsonProcessingException e) {
      throw new BadInputException(file + ": not valid YAML: " + e.getOriginalMessage());
    }
    for (int i = 0; i < docs.size(); i++) {
      objects.add(toObject(file, i + 1, docs.get(i)));
    }
  }

  private static HasMetadata toObject(Path file, int index, JsonNode doc) {
    String kind = doc.path("kind").asText("");
    String name = doc.path("metadata").path("name").asText("");
    String where = file + ": document " + index;
    if (!API_VERSION.equals(doc.path("apiVersion").asText(""))) {
      throw new BadInputException(
          where
              + ": apiVersion: must be "
              + API_VERSION
              + ", got \""
              + doc.path("apiVersion").asText("")
              + "\"");
    }
    if (name.isEmpty()) {
      throw new BadInputException(where + " (" + kind + "): metadata.name: is required");
    }
    Class<? extends HasMetadata> type =
        switch (kind) {
          case "LayerCache" -> LayerCache.class;
          case "OverlayWorkspace" -> OverlayWorkspace.class;
          default ->
              throw new BadInputException(
                  where
                      + ": kind: \""
                      + kind
                      + "\" cannot be applied here (LayerCache, OverlayWorkspace)");
        };
    HasMetadata object;
    try {
      object = YAML.treeToValue(doc, type);
    } catch (JsonProcessingException e) {
      throw new BadInputException(file + ": " + kind + " " + name + ": " + fieldOf(e));
    }
    List<String> problems =
        object instanceof LayerCache cache
            ? SpecValidator.validate(cache)
            : SpecValidator.validate((OverlayWorkspace) object);
    String label = file + ": " + kind + " " + label(object);
    if (!problems.isEmpty()) {
      throw new BadInputException(label + ": " + String.join("; ", problems));
    }
    if (object instanceof OverlayWorkspace ows
        && !WorkspaceManager.NAME.matcher(StandaloneReconciler.workspaceName(ows)).matches()) {
      throw new BadInputException(label + ": metadata: namespace and name must be DNS names");
    }
    return object;
  }

  private static String label(HasMetadata object) {
    String ns = object.getMetadata().getNamespace();
    return (ns == null ? "" : ns + "/") + object.getMetadata().getName();
  }

  /** "spec.upper.reclaimPolicy: ..." from Jackson's path and message. */
  private static String fieldOf(JsonProcessingException e) {
    if (e instanceof com.fasterxml.jackson.databind.JsonMappingException mapping
        && !mapping.getPath().isEmpty()) {
      StringBuilder path = new StringBuilder();
      for (var ref : mapping.getPath()) {
        if (ref.getFieldName() != null) {
          path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
        } else if (ref.getIndex() >= 0) {
          path.append('[').append(ref.getIndex()).append(']');
        }
      }
      String message = e.getOriginalMessage();
      int newline = message.indexOf('\n');
      return path + ": " + (newline < 0 ? message : message.substring(0, newline));
    }
    return e.getOriginalMessage();
  }
}
