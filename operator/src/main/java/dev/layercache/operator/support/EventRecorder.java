package dev.layercache.operator.support;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes core/v1 Events about the objects the operator manages (best effort). */
public final class EventRecorder {
  /** An event to emit: {@code type} is Normal or Warning, {@code reason} CamelCase. */
  public record Notice(String type, String reason, String message) {
    public static Notice normal(String reason, String message) {
      return new Notice("Normal", reason, message);
    }

    public static Notice warning(String reason, String message) {
      return new Notice("Warning", reason, message);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final String COMPONENT = "layercache-operator";

  private final KubernetesClient client;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void emit(HasMetadata object, List<Notice> notices) {
    notices.forEach(n -> emit(object, n));
  }

  public void emit(HasMetadata object, Notice notice) {
    // Events of cluster-scoped objects live in "default", as kubectl describe expects.
    String namespace =
        object.getMetadata().getNamespace() != null
            ? object.getMetadata().getNamespace()
            : "default";
    String now = clock.instant().toString();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                object.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
            .withNamespace(namespace)
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(object.getApiVersion())
            .withKind(object.getKind())
            .withName(object.getMetadata().getName())
            .withNamespace(object.getMetadata().getNamespace())
            .withUid(object.getMetadata().getUid())
            .endInvolvedObject()
            .withType(notice.type())
            .withReason(notice.reason())
            .withMessage(notice.message())
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    try {
      client.v1().events().inNamespace(namespace).resource(event).create();
    } catch (KubernetesClientException e) {
      // An event is a courtesy: losing one must not fail the reconcile that caused it.
      LOG.warn(
          "could not record event {} for {}: {}",
          notice.reason(),
          object.getMetadata().getName(),
          e.getMessage());
    }
  }
}
