package dev.layercache.operator.workspace;

import dev.layercache.api.v1alpha1.ByteSizes;
import dev.layercache.api.v1alpha1.CommitState;
import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.LayerStatus;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.OverlayWorkspaceStatus;
import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.api.v1alpha1.WorkspacePhase;
import dev.layercache.api.v1alpha1.WorkspaceState;
import dev.layercache.api.v1alpha1.WorkspaceStatus;
import dev.layercache.operator.nodecache.NodeCacheView;
import dev.layercache.operator.nodecache.WorkspacePlacement;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Computes an OverlayWorkspace's status from its placement and its node agent's report. */
public final class OverlayWorkspaceStatusBuilder {
  private OverlayWorkspaceStatusBuilder() {}

  /** Not placed on a node: {@code reason} says why (unresolvable image, no node, bad spec). */
  public static OverlayWorkspaceStatus unscheduled(
      OverlayWorkspace workspace, String reason, String message, Instant now) {
    OverlayWorkspaceStatus status = new OverlayWorkspaceStatus();
    status.setObservedGeneration(workspace.getMetadata().getGeneration());
    status.setPhase(
        Reasons.INVALID_SPEC.equals(reason) ? WorkspacePhase.Failed : WorkspacePhase.Pending);
    status.setConditions(
        conditions(workspace, now)
            .set(OverlayWorkspaceStatus.SCHEDULED, false, reason, message)
            .set(OverlayWorkspaceStatus.LAYERS_READY, false, "NotScheduled", "not scheduled yet")
            .set(OverlayWorkspaceStatus.MOUNTED, false, "NotScheduled", "not scheduled yet")
            .set(OverlayWorkspaceStatus.READY, false, reason, message)
            .build());
    return status;
  }

  /** Placed: phase, paths and sizes as the node's agent reports them. */
  public static OverlayWorkspaceStatus placed(
      OverlayWorkspace workspace, WorkspacePlacement placement, NodeCache nodeCache, Instant now) {
    NodeCacheView node = NodeCacheView.of(nodeCache != null ? nodeCache : new NodeCache());
    List<String> lowers = placement.lowers();
    Optional<WorkspaceStatus> report = node.workspace(workspace.getMetadata().getUid());
    OverlayWorkspaceStatus status = new OverlayWorkspaceStatus();
    status.setObservedGeneration(workspace.getMetadata().getGeneration());
    status.setNodeName(placement.node());
    status.setImageDigest(placement.imageDigest());
    status.setLayers(placement.layers());
    report.ifPresent(r -> copyReport(r, status));

    Conditions conditions = conditions(workspace, now);
    conditions.set(
        OverlayWorkspaceStatus.SCHEDULED,
        true,
        "Scheduled",
        "scheduled on node " + placement.node());
    long ready = lowers.stream().filter(d -> node.layerState(d) == LayerState.Ready).count();
    Optional<LayerStatus> failedLayer =
        lowers.stream()
            .map(node::layer)
            .flatMap(Optional::stream)
            .filter(l -> l.getState() == LayerState.Failed)
            .findFirst();
    boolean layersReady = ready == lowers.size();
    if (failedLayer.isPresent()) {
      conditions.set(
          OverlayWorkspaceStatus.LAYERS_READY,
          false,
          Reasons.LAYER_FAILED,
          failedLayer.get().getDiffID() + ": " + failedLayer.get().getMessage());
    } else {
      conditions.set(
          OverlayWorkspaceStatus.LAYERS_READY,
          layersReady,
          layersReady ? "LayersReady" : "Pulling",
          ready + "/" + lowers.size() + " layers ready on " + placement.node());
    }
    WorkspaceState state = report.map(WorkspaceStatus::getState).orElse(null);
    boolean mounted = state == WorkspaceState.Mounted;
    String mountReason =
        mounted ? "Mounted" : state == WorkspaceState.Failed ? "MountFailed" : "NotMounted";
    String mountMessage =
        mounted
            ? "mounted at " + status.getMergedPath()
            : report
                .map(WorkspaceStatus::getMessage)
                .orElse("waiting for the node agent to mount it");
    conditions.set(OverlayWorkspaceStatus.MOUNTED, mounted, mountReason, mountMessage);
    conditions.set(
        OverlayWorkspaceStatus.READY, mounted, mounted ? "Ready" : mountReason, mountMessage);
    status.setConditions(conditions.build());

    if (failedLayer.isPresent() || state == WorkspaceState.Failed) {
      status.setPhase(WorkspacePhase.Failed);
    } else if (!mounted) {
      status.setPhase(WorkspacePhase.Pulling);
    } else if (status.getCommitted() != null
        && status.getCommitted().getState() == CommitState.Pushing) {
      status.setPhase(WorkspacePhase.Committing);
    } else {
      status.setPhase(WorkspacePhase.Ready);
    }
    return status;
  }

  /** Being deleted: the previous status with phase Terminating and Ready saying why. */
  public static OverlayWorkspaceStatus terminating(
      OverlayWorkspace workspace, String reason, String message, Instant now) {
    return carriedOver(workspace, WorkspacePhase.Terminating, reason, message, now);
  }

  /**
   * Being deleted while pods still use it (their CSI volumes show it): Terminating, the pods
   * listed, and Ready saying the deletion waits for them instead of unmounting under them.
   */
  public static OverlayWorkspaceStatus terminatingInUse(
      OverlayWorkspace workspace, String node, List<String> pods, Instant now) {
    OverlayWorkspaceStatus status =
        terminating(
            workspace,
            Reasons.IN_USE_BY_PODS,
            "waiting for "
                + pods.size()
                + (pods.size() == 1 ? " pod" : " pods")
                + " on node "
                + node
                + " to stop using the workspace ("
                + String.join(", ", pods)
                + "); it stays mounted until their volumes are gone",
            now);
    status.setPods(pods);
    return status;
  }

  /** The reconcile failed: the previous status with Ready saying why. */
  public static OverlayWorkspaceStatus failed(
      OverlayWorkspace workspace, String message, Instant now) {
    WorkspacePhase phase = previous(workspace).getPhase();
    return carriedOver(
        workspace,
        phase != null ? phase : WorkspacePhase.Pending,
        Reasons.RECONCILE_ERROR,
        message,
        now);
  }

  /** Its node is gone, and its mount and upper layer with it. */
  public static OverlayWorkspaceStatus lost(
      OverlayWorkspace workspace, String message, Instant now) {
    return carriedOver(workspace, WorkspacePhase.Failed, Reasons.NODE_GONE, message, now);
  }

  private static OverlayWorkspaceStatus carriedOver(
      OverlayWorkspace workspace,
      WorkspacePhase phase,
      String reason,
      String message,
      Instant now) {
    OverlayWorkspaceStatus before = previous(workspace);
    OverlayWorkspaceStatus status = new OverlayWorkspaceStatus();
    status.setObservedGeneration(workspace.getMetadata().getGeneration());
    status.setPhase(phase);
    status.setNodeName(before.getNodeName());
    status.setImageDigest(before.getImageDigest());
    status.setLayers(before.getLayers());
    status.setMergedPath(before.getMergedPath());
    status.setUpperPath(before.getUpperPath());
    status.setWorkPath(before.getWorkPath());
    status.setLowerBytes(before.getLowerBytes());
    status.setUpperBytes(before.getUpperBytes());
    status.setUpperSize(before.getUpperSize());
    status.setCommitted(before.getCommitted());
    status.setPods(before.getPods());
    Conditions conditions = conditions(workspace, now);
    for (Condition c :
        before.getConditions() == null ? List.<Condition>of() : before.getConditions()) {
      if (!OverlayWorkspaceStatus.READY.equals(c.getType())) {
        conditions.set(c.getType(), "True".equals(c.getStatus()), c.getReason(), c.getMessage());
      }
    }
    conditions.set(OverlayWorkspaceStatus.READY, false, reason, message);
    status.setConditions(conditions.build());
    return status;
  }

  private static void copyReport(WorkspaceStatus report, OverlayWorkspaceStatus status) {
    status.setPods(report.getPods());
    status.setMergedPath(report.getMergedPath());
    status.setUpperPath(report.getUpperPath());
    status.setWorkPath(report.getWorkPath());
    status.setLowerBytes(report.getLowerBytes());
    status.setUpperBytes(report.getUpperBytes());
    status.setUpperSize(
        report.getUpperBytes() == null ? null : ByteSizes.binary(report.getUpperBytes()));
    status.setCommitted(report.getCommitted());
  }

  private static Conditions conditions(OverlayWorkspace workspace, Instant now) {
    return new Conditions(
        previous(workspace).getConditions(), workspace.getMetadata().getGeneration(), now);
  }

  private static OverlayWorkspaceStatus previous(OverlayWorkspace workspace) {
    return workspace.getStatus() != null ? workspace.getStatus() : new OverlayWorkspaceStatus();
  }
}
