package dev.layercache.operator.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Compares objects as the API server keeps them: an empty list, a null and an absent field are the
 * same (the server may drop empty lists), so a status read back equals the one that was written.
 */
public final class StoredForm {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StoredForm() {}

  public static boolean same(Object a, Object b) {
    return prune(JSON.valueToTree(a)).equals(prune(JSON.valueToTree(b)));
  }

  /** {@link #same} apart from the top-level {@code fields}. */
  public static boolean sameIgnoring(Object a, Object b, String... fields) {
    return without(prune(JSON.valueToTree(a)), fields)
        .equals(without(prune(JSON.valueToTree(b)), fields));
  }

  private static JsonNode without(JsonNode node, String... fields) {
    if (node instanceof ObjectNode object) {
      object.remove(List.of(fields));
    }
    return node;
  }

  private static JsonNode prune(JsonNode node) {
    if (node instanceof ObjectNode object) {
      List<String> empty = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        JsonNode value = prune(field.getValue());
        if (value.isNull() || (value.isArray() && value.isEmpty())) {
          empty.add(field.getKey());
        } else {
          object.set(field.getKey(), value);
        }
      }
      object.remove(empty);
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        array.set(i, prune(array.get(i)));
      }
    }
    return node;
  }
}
