package dev.layercache.operator.layercache;

import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.Failure;
import dev.layercache.api.v1alpha1.LayerCacheStatus;
import dev.layercache.api.v1alpha1.ResolvedImage;
import dev.layercache.operator.support.EventRecorder.Notice;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/** The transitions of a LayerCache's status a user wants to hear about. */
public final class LayerCacheEvents {
  private LayerCacheEvents() {}

  public static List<Notice> between(LayerCacheStatus before, LayerCacheStatus after) {
    List<Notice> notices = new ArrayList<>();
    Optional<Condition> resolvedBefore = condition(before, LayerCacheStatus.RESOLVED);
    Condition resolved = condition(after, LayerCacheStatus.RESOLVED).orElseThrow();
    if (flipped(resolvedBefore, resolved)) {
      notices.add(
          "True".equals(resolved.getStatus())
              ? Notice.normal("Resolved", resolved.getMessage())
              : Notice.warning(resolved.getReason(), resolved.getMessage()));
    }
    Map<String, String> digestsBefore = digests(before);
    digests(after)
        .forEach(
            (key, digest) -> {
              String old = digestsBefore.get(key);
              if (old != null && !old.equals(digest)) {
                notices.add(
                    Notice.normal("TagMoved", key + " moved from " + old + " to " + digest));
              }
            });
    List<Failure> failuresBefore =
        before == null ? List.of() : Objects.requireNonNullElse(before.getFailures(), List.of());
    for (Failure failure : after.getFailures() == null ? List.<Failure>of() : after.getFailures()) {
      if (!failuresBefore.contains(failure)) {
        notices.add(
            Notice.warning(
                "NodeFailed",
                "node "
                    + failure.getNode()
                    + ": layer "
                    + failure.getDigest()
                    + ": "
                    + failure.getMessage()));
      }
    }
    Condition ready = condition(after, LayerCacheStatus.READY).orElseThrow();
    if ("True".equals(ready.getStatus())
        && flipped(condition(before, LayerCacheStatus.READY), ready)) {
      notices.add(Notice.normal("AllNodesReady", ready.getMessage()));
    }
    return notices;
  }

  private static boolean flipped(Optional<Condition> before, Condition after) {
    return before
        .map(
            b ->
                !b.getStatus().equals(after.getStatus())
                    || !Objects.equals(b.getReason(), after.getReason()))
        .orElse(true);
  }

  private static Map<String, String> digests(LayerCacheStatus status) {
    if (status == null || status.getResolved() == null) {
      return Map.of();
    }
    return status.getResolved().stream()
        .collect(
            Collectors.toMap(
                r -> r.getImage() + " (" + r.getPlatform() + ")",
                ResolvedImage::getDigest,
                (a, b) -> a));
  }

  private static Optional<Condition> condition(LayerCacheStatus status, String type) {
    return status == null ? Optional.empty() : Conditions.find(status.getConditions(), type);
  }
}
