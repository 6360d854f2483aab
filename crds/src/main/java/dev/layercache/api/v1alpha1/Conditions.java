package dev.layercache.api.v1alpha1;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds a status's condition list: each condition keeps its previous lastTransitionTime unless its
 * status flipped, so an unchanged observation yields an equal status and no patch. Used by every
 * writer of a status: the operator and the node agent.
 */
public final class Conditions {
  private final List<Condition> previous;
  private final long generation;
  private final Instant now;
  private final List<Condition> result = new ArrayList<>();

  public Conditions(List<Condition> previous, Long generation, Instant now) {
    this.previous = Objects.requireNonNullElse(previous, List.of());
    this.generation = Objects.requireNonNullElse(generation, 0L);
    this.now = now.truncatedTo(ChronoUnit.SECONDS);
  }

  public Conditions set(String type, boolean status, String reason, String message) {
    String value = status ? "True" : "False";
    String since =
        find(previous, type)
            .filter(c -> value.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .orElse(now.toString());
    result.add(
        new ConditionBuilder()
            .withType(type)
            .withStatus(value)
            .withReason(reason)
            .withMessage(message)
            .withLastTransitionTime(since)
            .withObservedGeneration(generation)
            .build());
    return this;
  }

  public List<Condition> build() {
    return List.copyOf(result);
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return Objects.requireNonNullElse(conditions, List.<Condition>of()).stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }
}
