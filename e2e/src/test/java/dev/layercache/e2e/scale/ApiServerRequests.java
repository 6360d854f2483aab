package dev.layercache.e2e.scale;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * kube-apiserver's own count of the requests it served ({@code apiserver_request_total}, read from
 * its /metrics as admin), summed by verb and resource.
 */
record ApiServerRequests(Map<String, Double> byVerbAndResource) {
  /** Verbs that change stored state; the rest (GET, LIST, WATCH) only read. */
  static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "APPLY", "DELETE");

  private static final Pattern SAMPLE =
      Pattern.compile("^apiserver_request_total\\{([^}]*)} ([0-9.e+]+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  static ApiServerRequests scrape(KubernetesClient admin) {
    Map<String, Double> counts = new TreeMap<>();
    for (String line : admin.raw("/metrics").split("\n")) {
      Matcher sample = SAMPLE.matcher(line);
      if (!sample.matches()) {
        continue;
      }
      Map<String, String> labels = new TreeMap<>();
      Matcher label = LABEL.matcher(sample.group(1));
      while (label.find()) {
        labels.put(label.group(1), label.group(2));
      }
      String resource =
          labels.getOrDefault("resource", "")
              + (labels.getOrDefault("subresource", "").isEmpty()
                  ? ""
                  : "/" + labels.get("subresource"));
      counts.merge(
          labels.get("verb") + " " + (resource.isEmpty() ? "(non-resource)" : resource),
          Double.parseDouble(sample.group(2)),
          Double::sum);
    }
    return new ApiServerRequests(counts);
  }

  /** What was served between {@code earlier} and this scrape. */
  ApiServerRequests since(ApiServerRequests earlier) {
    Map<String, Double> delta = new TreeMap<>();
    byVerbAndResource.forEach(
        (key, count) -> {
          double d = count - earlier.byVerbAndResource.getOrDefault(key, 0.0);
          if (d > 0) {
            delta.put(key, d);
          }
        });
    return new ApiServerRequests(delta);
  }

  double writes() {
    return byVerbAndResource.entrySet().stream()
        .filter(e -> WRITES.contains(e.getKey().split(" ")[0]))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  double total() {
    return byVerbAndResource.values().stream().mapToDouble(Double::doubleValue).sum();
  }
}
