package dev.layercache.operator.workspace;

import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.OverlayWorkspaceStatus;
import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.api.v1alpha1.WorkspacePhase;
import dev.layercache.api.v1alpha1.WorkspaceState;
import dev.layercache.api.v1alpha1.WorkspaceStatus;
import dev.layercache.api.v1alpha1.validation.SpecValidator;
import dev.layercache.kube.StatusApply;
import dev.layercache.operator.nodecache.EventSources;
import dev.layercache.operator.nodecache.NodeCacheView;
import dev.layercache.operator.nodecache.WorkspacePlacement;
import dev.layercache.operator.support.EventRecorder;
import dev.layercache.operator.support.ReconcileProblem;
import dev.layercache.operator.support.StoredForm;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Gives an OverlayWorkspace its mount: validate, place it on a node (once), fold the agent's report
 * into the status, delete it after its TTL; on deletion, wait for the agent to unmount it.
 */
@ControllerConfiguration(
    name = "overlayworkspace",
    fieldManager = OverlayWorkspaceReconciler.FIELD_MANAGER)
public final class OverlayWorkspaceReconciler
    implements Reconciler<OverlayWorkspace>, Cleaner<OverlayWorkspace> {
  /** The field manager of OverlayWorkspace statuses. */
  public static final String FIELD_MANAGER = "layercache-operator-workspace";

  private static final long TERMINATING_POLL_MS = 1000;

  /**
   * The primary cache's index of workspaces by the node they are placed on ({@link #UNSCHEDULED}
   * for none), so a node's change and a placement cost the workspaces concerned, not all of them.
   */
  private static final String BY_NODE = "node";

  private static final String UNSCHEDULED = "";

  private final KubernetesClient client;
  private final WorkspacePlacer placer;
  private final EventRecorder events;
  private final Clock clock;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final NodeReports reports = new NodeReports();
  private IndexerResourceCache<OverlayWorkspace> workspaces;
  private InformerEventSource<Node, OverlayWorkspace> nodes;
  private InformerEventSource<NodeCache, OverlayWorkspace> nodeCaches;

  public OverlayWorkspaceReconciler(
      KubernetesClient client,
      WorkspacePlacer placer,
      EventRecorder events,
      Clock clock,
      Duration initialBackoff,
      Duration maxBackoff) {
    this.client = client;
    this.placer = placer;
    this.events = events;
    this.clock = clock;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
  }

  @Override
  public UpdateControl<OverlayWorkspace> reconcile(
      OverlayWorkspace workspace, Context<OverlayWorkspace> context) {
    Instant now = clock.instant();
    List<String> problems = SpecValidator.validate(workspace);
    if (!problems.isEmpty()) {
      return record(
          workspace,
          OverlayWorkspaceStatusBuilder.unscheduled(
              workspace, Reasons.INVALID_SPEC, String.join("; ", problems), now),
          Optional.empty());
    }
    Optional<String> placedOn = placedOn(workspace);
    if (placedOn.isPresent() && node(placedOn.get()).isEmpty()) {
      // Its upper layer went with the node: report it, never re-place it with an empty one.
      return record(
          workspace,
          OverlayWorkspaceStatusBuilder.lost(workspace, nodeGoneMessage(placedOn.get()), now),
          Optional.empty());
    }
    Optional<WorkspacePlacement> placement =
        WorkspacePlacement.recorded(workspace)
            .or(() -> placedOn.flatMap(this::nodeCache).flatMap(nc -> fromSpec(nc, workspace)));
    if (placement.isEmpty()) {
      try {
        placement = Optional.of(placer.place(workspace, cluster()));
        events.emit(
            workspace,
            EventRecorder.Notice.normal(
                "Scheduled", "scheduled on node " + placement.get().node()));
      } catch (ReconcileProblem problem) {
        OverlayWorkspaceStatus status =
            OverlayWorkspaceStatusBuilder.unscheduled(
                workspace, problem.reason(), problem.getMessage(), now);
        return record(workspace, status, Optional.of(retryDelay(status, now)));
      }
    }
    OverlayWorkspaceStatus status =
        OverlayWorkspaceStatusBuilder.placed(
            workspace, placement.get(), nodeCache(placement.get().node()).orElse(null), now);
    Optional<Instant> expiry = expiry(workspace, status);
    if (expiry.isPresent() && !now.isBefore(expiry.get())) {
      client.resource(workspace).delete();
      return UpdateControl.noUpdate();
    }
    return record(workspace, status, expiry.map(e -> Duration.between(now, e)));
  }

  /** Whatever escaped the reconcile shows as Ready=False; JOSDK retries with backoff. */
  @Override
  public ErrorStatusUpdateControl<OverlayWorkspace> updateErrorStatus(
      OverlayWorkspace workspace, Context<OverlayWorkspace> context, Exception e) {
    OverlayWorkspaceStatus status =
        OverlayWorkspaceStatusBuilder.failed(
            workspace, ReconcileProblem.describe(e), clock.instant());
    if (StoredForm.same(status, workspace.getStatus())) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    return ErrorStatusUpdateControl.patchStatus(StatusApply.statusOnly(workspace, status));
  }

  /**
   * Its node's spec drops it as soon as it is being deleted (NodeCacheReconciler); the finalizer
   * goes once the agent has seen a spec without it and no longer reports it mounted.
   */
  @Override
  public DeleteControl cleanup(OverlayWorkspace workspace, Context<OverlayWorkspace> context) {
    Instant now = clock.instant();
    Optional<String> placedOn = placedOn(workspace);
    if (placedOn.isEmpty()) {
      return DeleteControl.defaultDelete();
    }
    String node = placedOn.get();
    if (node(node).isEmpty()) {
      String message =
          "node " + node + " no longer exists; released without waiting for an unmount";
      patchStatus(
          workspace,
          OverlayWorkspaceStatusBuilder.terminating(workspace, Reasons.NODE_GONE, message, now));
      events.emit(workspace, EventRecorder.Notice.warning(Reasons.NODE_GONE, message));
      return DeleteControl.defaultDelete();
    }
    NodeCacheView view = NodeCacheView.of(nodeCache(node).orElse(new NodeCache()));
    String uid = workspace.getMetadata().getUid();
    boolean inSpec = view.specWorkspaces().stream().anyMatch(w -> uid.equals(w.getUid()));
    boolean removed =
        view.workspace(uid).map(w -> w.getState() == WorkspaceState.Removed).orElse(true);
    if (!inSpec && view.agentObserved(view.generation()) && removed) {
      return DeleteControl.defaultDelete();
    }
    List<String> pods = view.workspace(uid).map(WorkspaceStatus::getPods).orElse(null);
    if (pods != null && !pods.isEmpty()) {
      patchStatus(
          workspace, OverlayWorkspaceStatusBuilder.terminatingInUse(workspace, node, pods, now));
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(TERMINATING_POLL_MS);
    }
    patchStatus(
        workspace,
        OverlayWorkspaceStatusBuilder.terminating(
            workspace,
            "Terminating",
            "waiting for node " + node + " to unmount the workspace",
            now));
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(TERMINATING_POLL_MS);
  }

  @Override
  public List<EventSource<?, OverlayWorkspace>> prepareEventSources(
      EventSourceContext<OverlayWorkspace> context) {
    workspaces = context.getPrimaryCache();
    workspaces.addIndexer(BY_NODE, w -> List.of(placedOn(w).orElse(UNSCHEDULED)));
    nodes = EventSources.nodes(context, n -> onNode(n.getMetadata().getName()));
    nodeCaches = EventSources.nodeCaches(context, this::onNodeCache);
    return List.of(nodes, nodeCaches);
  }

  /**
   * The workspaces a NodeCache event says something new to: those whose report changed, and those
   * being deleted (their cleanup reads the node's spec and observed generation); all on the node,
   * and the unscheduled ones, when its layers or readiness changed.
   */
  private Set<ResourceID> onNodeCache(NodeCache nodeCache) {
    String node = nodeCache.getMetadata().getName();
    NodeReports.Change change =
        nodeCaches.get(new ResourceID(node)).isPresent()
            ? reports.update(nodeCache)
            : reports.forget(node);
    if (!(change instanceof NodeReports.Workspaces changed)) {
      return onNode(node);
    }
    return workspaces.byIndex(BY_NODE, node).stream()
        .filter(
            w ->
                changed.uids().contains(w.getMetadata().getUid())
                    || w.getMetadata().getDeletionTimestamp() != null
                    || WorkspacePlacement.recorded(w).isEmpty())
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  /** Workspaces on the node that changed, and unscheduled ones, which it may now fit. */
  private Set<ResourceID> onNode(String node) {
    return Stream.concat(
            workspaces.byIndex(BY_NODE, node).stream(),
            workspaces.byIndex(BY_NODE, UNSCHEDULED).stream())
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  /** What placing a new workspace reads: nodes, their NodeCaches, workspaces per node. */
  private WorkspacePlacer.Cluster cluster() {
    List<Node> all = nodes.list().toList();
    Map<String, NodeCache> byNode = new HashMap<>();
    nodeCaches.list().forEach(nc -> byNode.put(nc.getMetadata().getName(), nc));
    Map<String, Long> perNode = new HashMap<>();
    for (Node node : all) {
      String name = node.getMetadata().getName();
      perNode.put(name, (long) workspaces.byIndex(BY_NODE, name).size());
    }
    return new WorkspacePlacer.Cluster(all, byNode, perNode);
  }

  private Optional<Node> node(String name) {
    return nodes.get(new ResourceID(name));
  }

  private Optional<NodeCache> nodeCache(String node) {
    return nodeCaches.get(new ResourceID(node));
  }

  private static Optional<WorkspacePlacement> fromSpec(
      NodeCache nodeCache, OverlayWorkspace workspace) {
    return WorkspacePlacement.fromSpec(nodeCache, workspace.getMetadata().getUid());
  }

  /** When a Ready workspace with a TTL is due for deletion. */
  private static Optional<Instant> expiry(
      OverlayWorkspace workspace, OverlayWorkspaceStatus status) {
    Long ttl = workspace.getSpec().getTtlSecondsAfterReady();
    if (ttl == null || ttl <= 0 || status.getPhase() != WorkspacePhase.Ready) {
      return Optional.empty();
    }
    return Conditions.find(status.getConditions(), OverlayWorkspaceStatus.READY)
        .map(c -> Instant.parse(c.getLastTransitionTime()).plusSeconds(ttl));
  }

  /**
   * Backoff without memory: the longer scheduling has failed, the longer the wait, within bounds.
   */
  private Duration retryDelay(OverlayWorkspaceStatus status, Instant now) {
    Duration failingFor =
        Conditions.find(status.getConditions(), OverlayWorkspaceStatus.SCHEDULED)
            .map(c -> Duration.between(Instant.parse(c.getLastTransitionTime()), now))
            .orElse(Duration.ZERO);
    return failingFor.compareTo(initialBackoff) < 0
        ? initialBackoff
        : failingFor.compareTo(maxBackoff) > 0 ? maxBackoff : failingFor;
  }

  private UpdateControl<OverlayWorkspace> record(
      OverlayWorkspace workspace, OverlayWorkspaceStatus status, Optional<Duration> next) {
    UpdateControl<OverlayWorkspace> control;
    if (StoredForm.same(status, workspace.getStatus())) {
      control = UpdateControl.noUpdate();
    } else {
      // Identity and status only: no resourceVersion, so a status from a view that moved on
      // meanwhile is not refused with a 409 (the move's own event reconciles again).
      control = UpdateControl.patchStatus(StatusApply.statusOnly(workspace, status));
    }
    next.ifPresent(d -> control.rescheduleAfter(Math.max(d.toMillis(), 100)));
    return control;
  }

  /** Cleanup cannot return a status, so it applies it as JOSDK does, as the same manager. */
  private void patchStatus(OverlayWorkspace workspace, OverlayWorkspaceStatus status) {
    if (!StoredForm.same(status, workspace.getStatus())) {
      StatusApply.apply(client, workspace, status, FIELD_MANAGER);
    }
  }

  private static Optional<String> placedOn(OverlayWorkspace workspace) {
    return Optional.ofNullable(workspace.getStatus()).map(OverlayWorkspaceStatus::getNodeName);
  }

  private static String nodeGoneMessage(String node) {
    return "node " + node + " no longer exists";
  }
}
