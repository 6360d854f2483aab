package dev.layercache.agent.standalone;

import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.Pin;
import dev.layercache.agent.workspace.WorkspaceException;
import dev.layercache.agent.workspace.WorkspaceInfo;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.agent.workspace.WorkspaceRecord;
import dev.layercache.agent.workspace.WorkspaceRequest;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.MountOptions;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.ReclaimPolicy;
import dev.layercache.api.v1alpha1.UpperLayerSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reconciles LayerCache and OverlayWorkspace objects on this machine with no API server (like the
 * kubelet's static pods): a LayerCache pulls its images and pins their layers; an OverlayWorkspace
 * becomes a mounted workspace named {@code NAMESPACE.NAME}. Applying twice converges; deleting
 * unpins, or unmounts and removes the upper layer unless its reclaimPolicy is Retain. Objects must
 * be validated by the caller.
 */
public final class StandaloneReconciler {
  /** Where images come from: the cached copy, else a pull. */
  @FunctionalInterface
  public interface ImageSource {
    ImageRecord ensure(String reference) throws IOException;
  }

  /** One object's outcome, kubectl style: {@code overlayworkspace/default/x created}. */
  public record Outcome(String object, String action) {
    @Override
    public String toString() {
      return object + " " + action;
    }
  }

  private final LayerStore store;
  private final WorkspaceManager workspaces;
  private final ImageSource images;
  private final Clock clock;

  public StandaloneReconciler(
      LayerStore store, WorkspaceManager workspaces, ImageSource images, Clock clock) {
    this.store = store;
    this.workspaces = workspaces;
    this.images = images;
    this.clock = clock;
  }

  /** The workspace an OverlayWorkspace becomes: namespaces have no dots, so this is unique. */
  public static String workspaceName(OverlayWorkspace ows) {
    return namespace(ows) + "." + ows.getMetadata().getName();
  }

  public static String pinOwner(LayerCache cache) {
    return "LayerCache/" + cache.getMetadata().getName();
  }

  public List<Outcome> apply(List<HasMetadata> objects) throws IOException {
    List<Outcome> outcomes = new ArrayList<>();
    // LayerCaches first, so a workspace of a cached image finds its layers pinned and present.
    for (HasMetadata object : objects) {
      if (object instanceof LayerCache cache) {
        outcomes.add(apply(cache));
      }
    }
    for (HasMetadata object : objects) {
      if (object instanceof OverlayWorkspace ows) {
        outcomes.add(apply(ows));
      }
    }
    return outcomes;
  }

  public List<Outcome> delete(List<HasMetadata> objects) throws IOException {
    List<Outcome> outcomes = new ArrayList<>();
    for (HasMetadata object : objects) {
      if (object instanceof OverlayWorkspace ows) {
        outcomes.add(delete(ows));
      }
    }
    for (HasMetadata object : objects) {
      if (object instanceof LayerCache cache) {
        String owner = pinOwner(cache);
        outcomes.add(
            new Outcome(
                "layercache/" + cache.getMetadata().getName(),
                store.unpin(owner) ? "deleted (layers unpinned; gc may evict them)" : "not found"));
      }
    }
    return outcomes;
  }

  private Outcome apply(LayerCache cache) throws IOException {
    List<String> refs = new ArrayList<>();
    Set<String> diffIds = new LinkedHashSet<>();
    for (String image : cache.getSpec().getImages()) {
      ImageRecord record = images.ensure(image);
      refs.add(record.reference());
      record.layers().forEach(l -> diffIds.add(l.diffId()));
    }
    String owner = pinOwner(cache);
    Optional<Pin> before = store.pin(owner);
    String object = "layercache/" + cache.getMetadata().getName();
    if (before.isPresent()
        && before.get().images().equals(refs)
        && before.get().diffIds().equals(List.copyOf(diffIds))) {
      return new Outcome(object, "unchanged");
    }
    store.pin(new Pin(owner, refs, List.copyOf(diffIds), clock.instant()));
    return new Outcome(object, before.isPresent() ? "configured" : "created");
  }

  private Outcome apply(OverlayWorkspace ows) throws IOException {
    String name = workspaceName(ows);
    String object = "overlayworkspace/" + namespace(ows) + "/" + ows.getMetadata().getName();
    String owner = "OverlayWorkspace/" + namespace(ows) + "/" + ows.getMetadata().getName();
    Optional<WorkspaceInfo> existing = workspaces.get(name);
    if (existing.isPresent() && !existing.get().record().owner().equals(owner)) {
      throw new WorkspaceException(
          WorkspaceException.Kind.CONFLICT,
          object
              + ": workspace "
              + name
              + " exists and belongs to "
              + existing.get().record().owner());
    }
    ImageRecord image = images.ensure(ows.getSpec().getImage());
    if (existing.isPresent()) {
      WorkspaceRecord record = existing.get().record();
      if (!record.image().equals(image.reference())) {
        throw new WorkspaceException(
            WorkspaceException.Kind.INVALID,
            object
                + ": spec.image: is immutable (workspace has "
                + record.image()
                + "; delete it first)");
      }
      if (existing.get().mounted() && record.state() == WorkspaceRecord.State.ACTIVE) {
        return new Outcome(object, "unchanged (" + existing.get().layout().merged() + ")");
      }
    }
    UpperLayerSpec upper = ows.getSpec().getUpper();
    MountOptions mount = ows.getSpec().getMount();
    Long sizeLimit =
        upper == null || upper.getSizeLimit() == null
            ? null
            : upper.getSizeLimit().getNumericalAmount().longValue();
    WorkspaceInfo ws =
        workspaces.create(
            new WorkspaceRequest(
                name,
                image,
                upper != null && upper.getReclaimPolicy() == ReclaimPolicy.Retain,
                mount != null && Boolean.TRUE.equals(mount.getAllowSetuid()),
                mount != null && Boolean.TRUE.equals(mount.getAllowDevices()),
                sizeLimit,
                owner));
    String action = existing.isPresent() ? "mounted again" : "created";
    return new Outcome(object, action + " (" + ws.layout().merged() + ")");
  }

  private Outcome delete(OverlayWorkspace ows) throws IOException {
    String name = workspaceName(ows);
    String object = "overlayworkspace/" + namespace(ows) + "/" + ows.getMetadata().getName();
    Optional<WorkspaceInfo> existing = workspaces.get(name);
    if (existing.isEmpty()) {
      return new Outcome(object, "not found");
    }
    boolean retain = existing.get().record().retain();
    return switch (workspaces.remove(name, retain, false)) {
      case DELETED -> new Outcome(object, "deleted");
      case RETAINED ->
          new Outcome(
              object, "deleted (upper layer retained at " + existing.get().layout().upper() + ")");
      case ABSENT -> new Outcome(object, "not found");
    };
  }

  private static String namespace(HasMetadata object) {
    String ns = object.getMetadata().getNamespace();
    return ns == null || ns.isBlank() ? "default" : ns;
  }
}
