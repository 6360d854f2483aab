package dev.layercache.api.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of deploy/monitoring: the Grafana dashboard's panel and variable queries and the
 * PrometheusRule's alert expressions, and the metric names they read. The agent's and the
 * operator's tests check those names against what their registries really serve on /metrics.
 */
public final class MonitoringQueries {
  public static final Path DIR = KubeControlPlane.repoRoot().resolve("deploy/monitoring");

  /**
   * Series the operator serves (its own and the Java Operator SDK's); the agents serve the rest.
   */
  public static final Predicate<String> OPERATOR =
      Pattern.compile(
              "^(layercache_node_|layercache_image_|layercache_nodecache_|layercache_layercache|"
                  + "operator_sdk_)")
          .asPredicate();

  /** Series Prometheus makes itself for every scrape target. */
  public static final Set<String> PROMETHEUS_OWN = Set.of("up");

  private static final Pattern METRIC =
      Pattern.compile("\\b((?:layercache|operator_sdk)_\\w+|up)\\b");

  private MonitoringQueries() {}

  /** Every PromQL expression of the dashboard and the alerts. */
  public static List<String> expressions() {
    List<String> out = new ArrayList<>();
    try {
      JsonNode dashboard =
          new ObjectMapper().readTree(DIR.resolve("layercache-dashboard.json").toFile());
      dashboard.findValues("expr").forEach(e -> out.add(e.asText()));
      dashboard
          .at("/templating/list")
          .forEach(
              v -> {
                if (v.has("definition")) {
                  out.add(v.get("definition").asText());
                }
              });
      JsonNode rules = new YAMLMapper().readTree(DIR.resolve("prometheusrule.yaml").toFile());
      rules
          .at("/spec/groups")
          .forEach(g -> g.path("rules").forEach(r -> out.add(r.get("expr").asText())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The metric names the expressions read. */
  public static Set<String> metrics() {
    Set<String> names = new TreeSet<>();
    for (String expression : expressions()) {
      Matcher m = METRIC.matcher(expression);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /**
   * The {@code layercache_*} metrics of an exposition that break Prometheus' naming conventions,
   * each with why: counters end in {@code _total}; histograms and summaries are of {@code _seconds}
   * or {@code _bytes}; no name carries a unit other than the base units (seconds, bytes); names are
   * lower snake case.
   */
  public static List<String> unconventional(String exposition) {
    List<String> out = new ArrayList<>();
    Matcher type = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$").matcher(exposition);
    while (type.find()) {
      String name = type.group(1);
      String kind = type.group(2);
      if (!name.startsWith("layercache_")) {
        continue;
      }
      if (!name.matches("[a-z][a-z0-9_]*")) {
        out.add(name + ": not lower snake case");
      }
      if (kind.equals("counter") && !name.endsWith("_total")) {
        out.add(name + ": a counter not ending in _total");
      }
      if ((kind.equals("histogram") || kind.equals("summary"))
          && !name.matches(".*_(seconds|bytes)")) {
        out.add(name + ": a " + kind + " not of _seconds or _bytes");
      }
      if (name.matches(".*_(milliseconds|ms|minutes|hours|kilobytes|megabytes|bits|percent).*")) {
        out.add(name + ": not in base units");
      }
    }
    return out;
  }

  /** The series names in a Prometheus text exposition (what /metrics answers). */
  public static Set<String> served(String exposition) {
    Set<String> names = new TreeSet<>();
    exposition
        .lines()
        .filter(l -> !l.isBlank() && !l.startsWith("#"))
        .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
    return names;
  }
}
