package dev.layercache.agent.cli;

import dev.layercache.agent.store.LayerStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON output of the CLI ({@code --output json}): one object per command, indented, dates as
 * ISO-8601 text, keys in camelCase with {@code diffID} as in the API. Every object starts with
 * {@code version} (of this format, raised only on an incompatible change) and {@code kind}; lists
 * are under {@code items}. A failure is {@code kind: Error} with the message and the exit code. See
 * docs/cli.md.
 */
final class Json {
  /** The version of the output format. */
  static final int VERSION = 1;

  private Json() {}

  /** Prints {@code body} as a {@code kind}: a map's fields are merged in, a list goes to items. */
  static void print(PrintWriter out, String kind, Object body) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("version", VERSION);
    json.put("kind", kind);
    if (body instanceof Map<?, ?> fields) {
      fields.forEach((k, v) -> json.put((String) k, v));
    } else if (body instanceof List<?> items) {
      json.put("items", items);
    } else {
      throw new IllegalArgumentException("JSON output is a map or a list");
    }
    out.println(LayerStore.JSON.writeValueAsString(json));
    out.flush();
  }

  /** A failure, for scripts that read stdout: the message the table output prints, and why. */
  static void error(PrintWriter out, String message, int exitCode) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("message", message);
    error.put("exitCode", exitCode);
    try {
      print(out, "Error", Map.of("error", error));
    } catch (IOException e) {
      out.println("{\"version\": 1, \"kind\": \"Error\"}");
      out.flush();
    }
  }
}
