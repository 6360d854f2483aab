package dev.layercache.agent.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.layercache.agent.standalone.StandaloneReconciler;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.validation.SpecValidator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
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
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

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
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
              .toString();
    } catch (CharacterCodingException e) {
      throw new BadInputException(file + ": not UTF-8 text (is it a YAML file?)");
    }
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
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
    String namespace = doc.path("metadata").path("namespace").asText("");
    String label = file + ": " + kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
    List<String> unknown =
        StrictFields.unknown(doc, type == LayerCache.class ? "layercaches" : "overlayworkspaces");
    if (!unknown.isEmpty()) {
      throw new BadInputException(label + ": " + String.join("; ", unknown));
    }
    HasMetadata object;
    try {
      object = YAML.treeToValue(doc, type);
    } catch (JsonProcessingException e) {
      throw new BadInputException(label + ": " + fieldOf(e));
    }
    List<String> problems =
        object instanceof LayerCache cache
            ? SpecValidator.validate(cache)
            : SpecValidator.validate((OverlayWorkspace) object);
    if (!problems.isEmpty()) {
      throw new BadInputException(label + ": " + String.join("; ", problems));
    }
    if (object instanceof OverlayWorkspace ows) {
      checkWorkspaceName(label, ows);
    }
    return object;
  }

  /**
   * An OverlayWorkspace becomes workspace NAMESPACE.NAME: the namespace must be a DNS label (no
   * dots, or a.x/b and a/x.b would collide) and the whole a valid workspace name.
   */
  private static void checkWorkspaceName(String label, OverlayWorkspace ows) {
    String namespace = ows.getMetadata().getNamespace();
    if (namespace != null && !DNS_LABEL.matcher(namespace).matches()) {
      throw new BadInputException(
          label
              + ": metadata.namespace: \""
              + namespace
              + "\" is not a DNS label (lowercase letters, digits and '-', at most 63)");
    }
    String workspace = StandaloneReconciler.workspaceName(ows);
    if (!WorkspaceManager.NAME.matcher(workspace).matches()) {
      throw new BadInputException(
          label
              + ": metadata.name: must be a DNS name, and namespace.name (workspace "
              + workspace.length()
              + " characters) at most 253 characters");
    }
  }

  /** "spec.upper.reclaimPolicy: must be one of ..." from Jackson's path and problem. */
  private static String fieldOf(JsonProcessingException e) {
    if (!(e instanceof JsonMappingException mapping) || mapping.getPath().isEmpty()) {
      return firstLine(e.getOriginalMessage());
    }
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : mapping.getPath()) {
      if (ref.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path + ": " + problem(e);
  }

  /** The problem in the user's words, without Java type names. */
  private static String problem(JsonProcessingException e) {
    if (e instanceof InvalidFormatException invalid) {
      Class<?> type = invalid.getTargetType();
      if (type != null && type.isEnum()) {
        return "must be one of "
            + String.join(", ", Stream.of(type.getEnumConstants()).map(Object::toString).toList())
            + ", got \""
            + invalid.getValue()
            + "\"";
      }
      return "\"" + invalid.getValue() + "\" is not " + expected(type);
    }
    if (e instanceof MismatchedInputException mismatched) {
      return "expected " + expected(mismatched.getTargetType());
    }
    return firstLine(e.getOriginalMessage());
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "a value of another kind";
    }
    if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
      return "a number";
    }
    if (type.getSimpleName().equals("Quantity")) {
      return "a quantity such as 10Gi";
    }
    return "an object (a map of fields)";
  }

  private static String firstLine(String message) {
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
