package dev.layercache.agent.standalone;

import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.Pin;
import dev.layercache.agent.workspace.WorkspaceException;
import dev.layercache.agent.workspace.WorkspaceInfo;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.agent.workspace.WorkspaceRequest;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.MountOptions;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.ReclaimPolicy;
import dev.layercache.api.v1alpha1.UpperLayerSpec;
import dev.layercache.oci.ImageReference;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
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
  public record Outcome(String object, String action, boolean failed) {
    Outcome(String object, String action) {
      this(object, action, false);
    }

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
    return workspaceName(namespace(ows), ows.getMetadata().getName());
  }

  /** The workspace that applying OverlayWorkspace {@code namespace/name} creates. */
  public static String workspaceName(String namespace, String name) {
    return namespace + "." + name;
  }

  public static String pinOwner(LayerCache cache) {
    return "LayerCache/" + cache.getMetadata().getName();
  }

  /**
   * Applies the objects: first checks every workspace against what exists (owner, image), so a
   * conflict stops the run before anything is pulled or mounted; then LayerCaches, so a workspace
   * of a cached image finds its layers pinned and present; then workspaces. A run-time failure of
   * one object (a registry error, a full disk) is its outcome; the others still apply.
   */
  public List<Outcome> apply(List<HasMetadata> objects) throws IOException {
    for (OverlayWorkspace ows : workspacesOf(objects)) {
      workspaces.check(
          workspaceName(ows),
          owner(ows),
          ImageReference.parse(ows.getSpec().getImage()).toString());
    }
    List<Outcome> outcomes = new ArrayList<>();
    for (HasMetadata object : objects) {
      if (object instanceof LayerCache cache) {
        outcomes.add(attempt("layercache/" + cache.getMetadata().getName(), () -> apply(cache)));
      }
    }
    for (OverlayWorkspace ows : workspacesOf(objects)) {
      outcomes.add(attempt(label(ows), () -> apply(ows)));
    }
    return outcomes;
  }

  /** Deletes the objects, after checking that every workspace among them is theirs to delete. */
  public List<Outcome> delete(List<HasMetadata> objects) throws IOException {
    for (OverlayWorkspace ows : workspacesOf(objects)) {
      Optional<WorkspaceInfo> existing = workspaces.get(workspaceName(ows));
      if (existing.isPresent() && !existing.get().record().owner().equals(owner(ows))) {
        throw new WorkspaceException(
            WorkspaceException.Kind.CONFLICT,
            label(ows)
                + ": workspace "
                + workspaceName(ows)
                + " belongs to "
                + existing.get().record().owner()
                + ", not to this object; not deleting it");
      }
    }
    List<Outcome> outcomes = new ArrayList<>();
    for (OverlayWorkspace ows : workspacesOf(objects)) {
      outcomes.add(attempt(label(ows), () -> delete(ows)));
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

  /** One object's action, or its failure as its outcome. */
  private interface Action {
    Outcome run() throws IOException;
  }

  private static Outcome attempt(String object, Action action) {
    try {
      return action.run();
    } catch (IOException | RuntimeException e) {
      return new Outcome(object, "failed: " + e.getMessage(), true);
    }
  }

  private static List<OverlayWorkspace> workspacesOf(List<HasMetadata> objects) {
    return objects.stream()
        .filter(OverlayWorkspace.class::isInstance)
        .map(OverlayWorkspace.class::cast)
        .toList();
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
    ImageRecord image = images.ensure(ows.getSpec().getImage());
    UpperLayerSpec upper = ows.getSpec().getUpper();
    MountOptions mount = ows.getSpec().getMount();
    Long sizeLimit =
        upper == null || upper.getSizeLimit() == null
            ? null
            : Quantity.getAmountInBytes(upper.getSizeLimit()).longValue();
    WorkspaceManager.Ensured ensured =
        workspaces.ensure(
            new WorkspaceRequest(
                workspaceName(ows),
                image,
                upper != null && upper.getReclaimPolicy() == ReclaimPolicy.Retain,
                mount != null && Boolean.TRUE.equals(mount.getAllowSetuid()),
                mount != null && Boolean.TRUE.equals(mount.getAllowDevices()),
                sizeLimit,
                owner(ows)));
    String merged = " (" + ensured.info().layout().merged() + ")";
    String action =
        switch (ensured.outcome()) {
          case CREATED -> "created" + merged;
          case REMOUNTED -> "mounted again" + merged;
          case CONFIGURED -> "configured: " + String.join(", ", ensured.changes());
          case UNCHANGED -> "unchanged" + merged;
        };
    for (String warning : ensured.warnings()) {
      action += "; warning: " + warning;
    }
    return new Outcome(label(ows), action);
  }

  private Outcome delete(OverlayWorkspace ows) throws IOException {
    String name = workspaceName(ows);
    return switch (workspaces.remove(
        name, owner(ows), WorkspaceManager.UpperPolicy.RECORDED, false)) {
      case DELETED -> new Outcome(label(ows), "deleted");
      case RETAINED ->
          new Outcome(
              label(ows),
              "deleted (upper layer retained at "
                  + workspaces.dirs(name).upper()
                  + "; layercache umount "
                  + name
                  + " --delete-upper removes it)");
      case ABSENT -> new Outcome(label(ows), "not found");
    };
  }

  private static String owner(OverlayWorkspace ows) {
    return owner(namespace(ows), ows.getMetadata().getName());
  }

  /** The owner of the workspace that applying OverlayWorkspace {@code namespace/name} creates. */
  public static String owner(String namespace, String name) {
    return "OverlayWorkspace/" + namespace + "/" + name;
  }

  private static String label(OverlayWorkspace ows) {
    return "overlayworkspace/" + namespace(ows) + "/" + ows.getMetadata().getName();
  }

  private static String namespace(HasMetadata object) {
    String ns = object.getMetadata().getNamespace();
    return ns == null || ns.isBlank() ? "default" : ns;
  }
}
