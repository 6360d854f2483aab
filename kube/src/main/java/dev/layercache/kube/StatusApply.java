package dev.layercache.kube;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.lang.reflect.InvocationTargetException;

/**
 * Writes a custom resource's status the one way this project writes: server-side apply to the
 * status subresource, under the writer's own field manager (see docs/architecture.md, "Writes to
 * the API server"). The applied object carries only the identity and the status: no spec, no
 * resourceVersion, so no conflict with a concurrent spec writer and nothing to retry.
 */
public final class StatusApply {
  private StatusApply() {}

  /** Applies {@code status} to {@code object}'s status subresource as {@code fieldManager}. */
  public static <S, T extends CustomResource<?, S>> T apply(
      KubernetesClient client, T object, S status, String fieldManager) {
    T applied = statusOnly(object, status);
    PatchContext context =
        new PatchContext.Builder()
            .withPatchType(PatchType.SERVER_SIDE_APPLY)
            .withFieldManager(fieldManager)
            // The status fields are this writer's alone; take over any a hand edit set.
            .withForce(true)
            .build();
    return client.resource(applied).subresource("status").patch(context, applied);
  }

  /**
   * What a status apply sends: {@code object}'s identity and {@code status}, nothing else (also
   * what a JOSDK reconciler returns to have its status applied the same way).
   */
  public static <S, T extends CustomResource<?, S>> T statusOnly(T object, S status) {
    T applied = blank(object);
    applied.getMetadata().setName(object.getMetadata().getName());
    applied.getMetadata().setNamespace(object.getMetadata().getNamespace());
    applied.setStatus(status);
    return applied;
  }

  @SuppressWarnings("unchecked")
  private static <T> T blank(T object) {
    try {
      return (T) object.getClass().getDeclaredConstructor().newInstance();
    } catch (InstantiationException
        | IllegalAccessException
        | InvocationTargetException
        | NoSuchMethodException e) {
      throw new IllegalStateException("cannot make a " + object.getClass().getName(), e);
    }
  }
}
