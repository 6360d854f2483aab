package dev.layercache.operator;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operator's settings, read from environment variables in production.
 *
 * @param leaseNamespace where the leader-election Lease lives; empty: no leader election
 * @param secretNamespaces namespaces pull secrets may be read from; empty: any (RBAC still rules)
 * @param serviceAccount the operator's ServiceAccount, {@code namespace/name}, named in the grant a
 *     forbidden pull secret asks for
 * @param initialBackoff first retry delay after an image failed to resolve; doubles up to {@code
 *     maxBackoff}
 */
public record OperatorConfig(
    int metricsPort,
    Optional<String> leaseNamespace,
    Set<String> secretNamespaces,
    String serviceAccount,
    Duration initialBackoff,
    Duration maxBackoff) {

  static final String LEASE_NAME = "layercache-operator";

  /**
   * {@code LAYERCACHE_METRICS_PORT} (8080), {@code LAYERCACHE_LEADER_ELECTION} (true), {@code
   * LAYERCACHE_LEASE_NAMESPACE} (else {@code POD_NAMESPACE}, else layercache-system), {@code
   * LAYERCACHE_SECRET_NAMESPACES} (comma-separated; unset: any), {@code SERVICE_ACCOUNT} (else
   * layercache-operator; in {@code POD_NAMESPACE}).
   */
  static OperatorConfig fromEnv(Map<String, String> env) {
    boolean leaderElection =
        Boolean.parseBoolean(env.getOrDefault("LAYERCACHE_LEADER_ELECTION", "true"));
    String podNamespace = env.getOrDefault("POD_NAMESPACE", "layercache-system");
    String leaseNamespace = env.getOrDefault("LAYERCACHE_LEASE_NAMESPACE", podNamespace);
    Set<String> secretNamespaces =
        Arrays.stream(env.getOrDefault("LAYERCACHE_SECRET_NAMESPACES", "").split(","))
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    return new OperatorConfig(
        Integer.parseInt(env.getOrDefault("LAYERCACHE_METRICS_PORT", "8080")),
        leaderElection ? Optional.of(leaseNamespace) : Optional.empty(),
        secretNamespaces,
        podNamespace + "/" + env.getOrDefault("SERVICE_ACCOUNT", "layercache-operator"),
        Duration.ofSeconds(10),
        Duration.ofMinutes(5));
  }
}
