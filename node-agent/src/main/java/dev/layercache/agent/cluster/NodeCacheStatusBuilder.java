package dev.layercache.agent.cluster;

import dev.layercache.agent.snapshot.StoreLayerSnapshots;
import dev.layercache.agent.workspace.SpaceReport;
import dev.layercache.api.v1alpha1.ByteSizes;
import dev.layercache.api.v1alpha1.Conditions;
import dev.layercache.api.v1alpha1.ContainerdSavings;
import dev.layercache.api.v1alpha1.DiskStatus;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerState;
import dev.layercache.api.v1alpha1.LayerStatus;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheStatus;
import dev.layercache.api.v1alpha1.Reasons;
import dev.layercache.api.v1alpha1.Savings;
import dev.layercache.api.v1alpha1.WorkspaceState;
import dev.layercache.api.v1alpha1.WorkspaceStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Derives a NodeCache's status from what the agent observed; the same input gives an equal status.
 */
final class NodeCacheStatusBuilder {
  private NodeCacheStatusBuilder() {}

  /** What the agent saw on its node in one sync. */
  record Observation(
      List<LayerStatus> layers,
      List<WorkspaceStatus> workspaces,
      DiskStatus disk,
      SpaceReport space,
      Optional<String> diskPressure,
      Optional<CriImages.Report> runtimeImages,
      StoreLayerSnapshots containerd) {}

  /**
   * The status to write at {@code now}; conditions keep their transition times from {@code
   * previous}, the status last written. {@code lastSyncTime} is {@code now}: written only with
   * news, it says when the agent last reported.
   */
  static NodeCacheStatus build(
      NodeCache nodeCache,
      NodeCacheStatus previous,
      Observation seen,
      String agentVersion,
      Instant now) {
    NodeCacheStatus status = new NodeCacheStatus();
    status.setObservedGeneration(nodeCache.getMetadata().getGeneration());
    status.setAgentVersion(agentVersion);
    status.setLastSyncTime(now.toString());
    status.setLayers(seen.layers());
    status.setWorkspaces(seen.workspaces());
    status.setDisk(seen.disk());
    status.setDiskUsage(
        ByteSizes.binary(seen.disk().getUsedBytes())
            + "/"
            + ByteSizes.binary(seen.disk().getCapacityBytes()));
    Savings savings = new Savings();
    savings.setLogicalBytes(seen.space().logicalBytes());
    savings.setPhysicalBytes(seen.space().physicalBytes());
    savings.setSavedBytes(seen.space().savedBytes());
    if (seen.containerd().snapshots() > 0) {
      ContainerdSavings containerd = new ContainerdSavings();
      containerd.setSnapshots(seen.containerd().snapshots());
      containerd.setLayers(seen.containerd().layers().size());
      containerd.setUnpackedBytes(seen.containerd().unpackedBytes());
      containerd.setBlobBytes(seen.containerd().blobBytes());
      containerd.setNotStoredTwiceBytes(seen.containerd().notStoredTwiceBytes());
      savings.setContainerd(containerd);
      status.setContainerdSaved(ByteSizes.binary(seen.containerd().notStoredTwiceBytes()));
    }
    status.setSavings(savings);
    status.setSaved(ByteSizes.binary(seen.space().savedBytes()));
    if (seen.disk().getWastedBytes() != null) {
      status.setWasted(ByteSizes.binary(seen.disk().getWastedBytes()));
    }

    long ready = seen.layers().stream().filter(l -> l.getState() == LayerState.Ready).count();
    int wanted = seen.layers().size();
    status.setReadyLayers(ready + "/" + wanted);
    Optional<LayerStatus> failedLayer =
        seen.layers().stream().filter(l -> l.getState() == LayerState.Failed).findFirst();
    Optional<WorkspaceStatus> failedWorkspace =
        seen.workspaces().stream().filter(w -> w.getState() == WorkspaceState.Failed).findFirst();
    long mounted =
        seen.workspaces().stream().filter(w -> w.getState() == WorkspaceState.Mounted).count();
    long workspacesWanted = wantedWorkspaces(nodeCache);

    Conditions conditions =
        new Conditions(
            previous == null ? null : previous.getConditions(),
            nodeCache.getMetadata().getGeneration(),
            now);
    if (failedLayer.isPresent()) {
      conditions.set(
          NodeCacheStatus.READY,
          false,
          "LayerFailed",
          "layer " + failedLayer.get().getDiffID() + ": " + failedLayer.get().getMessage());
    } else if (failedWorkspace.isPresent()) {
      conditions.set(
          NodeCacheStatus.READY,
          false,
          "WorkspaceFailed",
          "workspace "
              + failedWorkspace.get().getUid()
              + ": "
              + failedWorkspace.get().getMessage());
    } else if (ready < wanted || mounted < workspacesWanted) {
      conditions.set(
          NodeCacheStatus.READY,
          false,
          "Converging",
          ready
              + "/"
              + wanted
              + " layers ready, "
              + mounted
              + "/"
              + workspacesWanted
              + " workspaces mounted");
    } else {
      conditions.set(
          NodeCacheStatus.READY,
          true,
          "Converged",
          wanted + " layers ready, " + workspacesWanted + " workspaces mounted");
    }
    conditions.set(
        NodeCacheStatus.DISK_PRESSURE,
        seen.diskPressure().isPresent(),
        seen.diskPressure().isPresent() ? "OverHighWatermark" : "UnderHighWatermark",
        seen.diskPressure().orElse(status.getDiskUsage() + " in use"));
    seen.runtimeImages().ifPresent(report -> imagesPresent(conditions, report));
    status.setConditions(conditions.build());
    return status;
  }

  /** Only with a CRI socket: whether the runtime has every warm image, else which pull failed. */
  private static void imagesPresent(Conditions conditions, CriImages.Report report) {
    String counts =
        report.present()
            + "/"
            + report.warm()
            + " warm images present in the container runtime at "
            + report.runtime();
    if (!report.failures().isEmpty()) {
      conditions.set(
          NodeCacheStatus.IMAGES_PRESENT,
          false,
          Reasons.CRI_PULL_FAILED,
          counts + "; pull retried with backoff: " + String.join("; ", report.failures()));
    } else if (report.present() < report.warm()) {
      conditions.set(NodeCacheStatus.IMAGES_PRESENT, false, "Pulling", counts);
    } else {
      conditions.set(NodeCacheStatus.IMAGES_PRESENT, true, "Present", counts);
    }
  }

  private static long wantedWorkspaces(NodeCache nodeCache) {
    return nodeCache.getSpec() == null || nodeCache.getSpec().getWorkspaces() == null
        ? 0
        : nodeCache.getSpec().getWorkspaces().size();
  }

  static List<LayerRef> layers(NodeCache nodeCache) {
    return nodeCache.getSpec() == null || nodeCache.getSpec().getLayers() == null
        ? List.of()
        : nodeCache.getSpec().getLayers();
  }
}
