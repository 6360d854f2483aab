package dev.layercache.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** An OCI image index or Docker manifest list: one manifest per platform. */
public record ImageIndex(String mediaType, List<Descriptor> manifests) {

  public ImageIndex {
    manifests = List.copyOf(manifests);
  }

  public static ImageIndex parse(ManifestBlob blob) throws InvalidManifestException {
    if (!blob.isIndex()) {
      throw new InvalidManifestException("expected an index but " + blob.digest() + " is not");
    }
    JsonNode list = Json.read(blob.bytes(), "index " + blob.digest()).path("manifests");
    List<Descriptor> manifests = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      manifests.add(Json.descriptor(list.get(i), "entry " + i + " of index " + blob.digest()));
    }
    return new ImageIndex(blob.mediaType(), manifests);
  }

  /** The best entry for {@code platform}: an exact match, else the closest compatible one. */
  public Optional<Descriptor> select(Platform platform) {
    return manifests.stream()
        .filter(d -> d.platform().isPresent() && platform.score(d.platform().get()) >= 0)
        .max(Comparator.comparingInt(d -> platform.score(d.platform().get())));
  }

  public List<Platform> platforms() {
    return manifests.stream().flatMap(d -> d.platform().stream()).toList();
  }

  public byte[] toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("schemaVersion", 2);
    node.put("mediaType", mediaType);
    manifests.forEach(m -> node.withArray("manifests").add(Json.descriptor(m)));
    return Json.write(node);
  }
}
