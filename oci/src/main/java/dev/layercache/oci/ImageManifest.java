package dev.layercache.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** An image manifest (OCI or Docker schema 2): one config and the ordered layers. */
public record ImageManifest(String mediaType, Descriptor config, List<Descriptor> layers) {

  public ImageManifest {
    layers = List.copyOf(layers);
  }

  public static ImageManifest parse(ManifestBlob blob) throws InvalidManifestException {
    if (blob.isIndex()) {
      throw new InvalidManifestException(
          "expected an image manifest but " + blob.digest() + " is an index");
    }
    JsonNode node = Json.read(blob.bytes(), "manifest " + blob.digest());
    Descriptor config = Json.descriptor(node.get("config"), "config of " + blob.digest());
    JsonNode layerNodes = node.path("layers");
    if (!layerNodes.isArray()) {
      throw new InvalidManifestException("manifest " + blob.digest() + " has no layers array");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (int i = 0; i < layerNodes.size(); i++) {
      layers.add(Json.descriptor(layerNodes.get(i), "layer " + i + " of " + blob.digest()));
    }
    return new ImageManifest(blob.mediaType(), config, layers);
  }

  /** The manifest as JSON, ready to push with {@link #mediaType()} as its Content-Type. */
  public byte[] toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("schemaVersion", 2);
    node.put("mediaType", mediaType);
    node.set("config", Json.descriptor(config));
    layers.forEach(layer -> node.withArray("layers").add(Json.descriptor(layer)));
    return Json.write(node);
  }
}
