package dev.layercache.agent.cli;

import dev.layercache.agent.store.PullListener;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Shows pull progress: on a terminal, one live line per layer redrawn in place; elsewhere, plain
 * lines when a layer starts, at every quarter, and when it is done.
 */
final class PullProgress implements PullListener, AutoCloseable {
  private final PrintWriter out;
  private final boolean live;
  private final Map<String, LayerLine> lines = new LinkedHashMap<>();
  private final ScheduledExecutorService redraw;
  private int drawn;

  private static final class LayerLine {
    final long total;
    final long startNanos = System.nanoTime();
    volatile long done;
    volatile String state = "downloading";
    int quartersReported;

    LayerLine(long total) {
      this.total = total;
    }
  }

  PullProgress(PrintWriter out, boolean live) {
    this.out = out;
    this.live = live;
    if (live) {
      redraw =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "pull-progress");
                t.setDaemon(true);
                return t;
              });
      redraw.scheduleAtFixedRate(this::draw, 200, 200, TimeUnit.MILLISECONDS);
    } else {
      redraw = null;
    }
  }

  @Override
  public synchronized void started(String diffId, long totalBytes) {
    lines.put(diffId, new LayerLine(totalBytes));
    if (!live) {
      out.println(shortId(diffId) + ": downloading " + Sizes.human(totalBytes));
      out.flush();
    }
  }

  @Override
  public void progress(String diffId, long bytesDone) {
    LayerLine line;
    synchronized (this) {
      line = lines.get(diffId);
    }
    if (line == null) {
      return;
    }
    line.done = bytesDone;
    if (!live && line.total > 0) {
      int quarter = (int) (4 * bytesDone / line.total);
      synchronized (this) {
        if (quarter > line.quartersReported && quarter < 4) {
          line.quartersReported = quarter;
          out.println(shortId(diffId) + ": " + describe(line));
          out.flush();
        }
      }
    }
  }

  @Override
  public synchronized void finished(String diffId, boolean cached) {
    LayerLine line = lines.get(diffId);
    if (line == null) {
      line = new LayerLine(0);
      lines.put(diffId, line);
    }
    line.state = cached ? "already cached" : "done";
    if (!live) {
      out.println(shortId(diffId) + ": " + line.state);
      out.flush();
    }
  }

  @Override
  public void close() {
    if (live) {
      redraw.shutdownNow();
      draw();
    }
  }

  private synchronized void draw() {
    StringBuilder frame = new StringBuilder();
    if (drawn > 0) {
      frame.append("\033[").append(drawn).append('F'); // back to the first line we drew
    }
    for (Map.Entry<String, LayerLine> e : lines.entrySet()) {
      LayerLine line = e.getValue();
      String text =
          line.state.equals("downloading") ? bar(line) + " " + describe(line) : line.state;
      frame.append("\033[2K").append(shortId(e.getKey())).append(": ").append(text).append('\n');
    }
    drawn = lines.size();
    out.print(frame);
    out.flush();
  }

  private static String describe(LayerLine line) {
    double seconds = Math.max(1e-3, (System.nanoTime() - line.startNanos) / 1e9);
    return Sizes.human(line.done)
        + " / "
        + Sizes.human(line.total)
        + "  "
        + Sizes.human((long) (line.done / seconds))
        + "/s";
  }

  private static String bar(LayerLine line) {
    int width = 30;
    int filled = line.total <= 0 ? 0 : (int) Math.min(width, width * line.done / line.total);
    return "[" + "=".repeat(filled) + " ".repeat(width - filled) + "]";
  }

  static String shortId(String digest) {
    int colon = digest.indexOf(':');
    return digest.substring(colon + 1, Math.min(digest.length(), colon + 13));
  }
}
