package dev.layercache.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** The parts of an image config blob this project uses: platform, diff_ids and history. */
public record ImageConfig(Platform platform, List<Digest> diffIds, List<History> history) {

  /** One build step; {@code emptyLayer} steps (ENV, CMD...) added no layer. */
  public record History(String created, String createdBy, String comment, boolean emptyLayer) {}

  public ImageConfig {
    diffIds = List.copyOf(diffIds);
    history = List.copyOf(history);
  }

  public static ImageConfig parse(byte[] json, Digest digest) throws InvalidManifestException {
    JsonNode node = Json.read(json, "image config " + digest);
    JsonNode ids = node.path("rootfs").path("diff_ids");
    if (!ids.isArray()) {
      throw new InvalidManifestException("image config " + digest + " has no rootfs.diff_ids");
    }
    List<Digest> diffIds = new ArrayList<>();
    for (JsonNode id : ids) {
      try {
        diffIds.add(Digest.parse(id.asText()));
      } catch (IllegalArgumentException e) {
        throw new InvalidManifestException(
            "image config " + digest + " has a bad diff_id: " + e.getMessage());
      }
    }
    List<History> history = new ArrayList<>();
    for (JsonNode h : node.path("history")) {
      history.add(
          new History(
              Json.text(h, "created"),
              Json.text(h, "created_by"),
              Json.text(h, "comment"),
              h.path("empty_layer").asBoolean(false)));
    }
    Platform platform =
        new Platform(
            Json.text(node, "os"), Json.text(node, "architecture"), Json.text(node, "variant"));
    return new ImageConfig(platform, diffIds, history);
  }
}
