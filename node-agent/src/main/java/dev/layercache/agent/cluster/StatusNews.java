package dev.layercache.agent.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.layercache.api.v1alpha1.ByteSizes;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import java.util.Locale;

/**
 * Decides whether a freshly built NodeCache status is news, the only reason the agent writes it: a
 * change a user would see. Every field counts except {@code lastSyncTime} (the time of the write
 * itself), and byte counts count as the binary units kubectl's columns show them (17, 4.2Mi,
 * 412Mi): a filesystem's used bytes or an upper layer that move by less than that rounding are no
 * news. So a converged node that nothing touches writes nothing.
 */
final class StatusNews {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusNews() {}

  /** True when {@code next} shows something {@code written} (the status last written) does not. */
  static boolean isNews(NodeCacheStatus written, NodeCacheStatus next) {
    if (written == null || next == null) {
      return written != next;
    }
    return !shown(written).equals(shown(next));
  }

  /**
   * The status as a user reads it: byte counts rounded to their units, no write time, and no empty
   * field (null, [] and absent read alike, as a status read back from the API server may differ).
   */
  private static JsonNode shown(NodeCacheStatus status) {
    JsonNode tree = JSON.valueToTree(status);
    ((ObjectNode) tree).remove("lastSyncTime");
    round(tree);
    return tree;
  }

  private static boolean isEmpty(JsonNode value) {
    return value.isNull() || (value.isContainerNode() && value.isEmpty());
  }

  private static void round(JsonNode node) {
    if (node.isArray()) {
      node.forEach(StatusNews::round);
      return;
    }
    if (!node.isObject()) {
      return;
    }
    ObjectNode object = (ObjectNode) node;
    object.properties().removeIf(field -> isEmpty(field.getValue()));
    for (var field : object.properties()) {
      JsonNode value = field.getValue();
      if (value.isIntegralNumber() && field.getKey().toLowerCase(Locale.ROOT).contains("bytes")) {
        field.setValue(TextNode.valueOf(ByteSizes.binary(value.longValue())));
      } else {
        round(value);
      }
    }
  }
}
