package dev.layercache.agent.cli;

import dev.layercache.agent.store.LayerStore;
import java.io.IOException;
import java.io.PrintWriter;

/** JSON output of the CLI: indented, dates as ISO-8601 text. */
final class Json {

  private Json() {}

  static void print(PrintWriter out, Object value) throws IOException {
    out.println(LayerStore.JSON.writeValueAsString(value));
    out.flush();
  }
}
