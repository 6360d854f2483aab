package dev.layercache.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Jackson plumbing shared by the manifest, index and config readers. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static JsonNode read(byte[] json, String what) throws InvalidManifestException {
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || !node.isObject()) {
        throw new InvalidManifestException(what + " is not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new InvalidManifestException(what + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  static byte[] write(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? "" : value.asText();
  }

  static Descriptor descriptor(JsonNode node, String what) throws InvalidManifestException {
    if (node == null || !node.isObject()) {
      throw new InvalidManifestException(what + " is missing");
    }
    Digest digest;
    try {
      digest = Digest.parse(text(node, "digest"));
    } catch (IllegalArgumentException e) {
      throw new InvalidManifestException(what + " has a bad digest: " + e.getMessage());
    }
    JsonNode size = node.get("size");
    if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
      throw new InvalidManifestException(what + " " + digest + " has no valid size");
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    JsonNode a = node.path("annotations");
    a.fieldNames().forEachRemaining(k -> annotations.put(k, a.get(k).asText()));
    Optional<Platform> platform = Optional.empty();
    JsonNode p = node.get("platform");
    if (p != null
        && p.isObject()
        && !text(p, "os").isEmpty()
        && !text(p, "architecture").isEmpty()) {
      platform =
          Optional.of(new Platform(text(p, "os"), text(p, "architecture"), text(p, "variant")));
    }
    return new Descriptor(text(node, "mediaType"), digest, size.asLong(), annotations, platform);
  }

  static ObjectNode descriptor(Descriptor d) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("mediaType", d.mediaType());
    node.put("digest", d.digest().toString());
    node.put("size", d.size());
    if (!d.annotations().isEmpty()) {
      ObjectNode a = node.putObject("annotations");
      d.annotations().forEach(a::put);
    }
    d.platform()
        .ifPresent(
            p -> {
              ObjectNode pn = node.putObject("platform");
              pn.put("architecture", p.architecture());
              pn.put("os", p.os());
              if (!p.variant().isEmpty()) {
                pn.put("variant", p.variant());
              }
            });
    return node;
  }
}
