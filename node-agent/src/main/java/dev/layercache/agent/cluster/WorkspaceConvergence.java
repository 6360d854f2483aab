package dev.layercache.agent.cluster;

import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.workspace.LayerCommitter;
import dev.layercache.agent.workspace.WorkspaceBusyException;
import dev.layercache.agent.workspace.WorkspaceInfo;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.agent.workspace.WorkspaceRequest;
import dev.layercache.api.v1alpha1.CommitSpec;
import dev.layercache.api.v1alpha1.CommitState;
import dev.layercache.api.v1alpha1.CommitStatus;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.ReclaimPolicy;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import dev.layercache.api.v1alpha1.WorkspaceState;
import dev.layercache.api.v1alpha1.WorkspaceStatus;
import dev.layercache.kube.Layers;
import dev.layercache.kube.SecretProblem;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryClient;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * The workspace half of the agent's sync: mounts the workspaces a NodeCache asks for (once their
 * layers are here), unmounts and reports {@code Removed} the ones it dropped, commits an upper
 * layer when asked, and says where each one stands.
 */
final class WorkspaceConvergence {
  private static final int MAX_REMOVED_REPORTED = 100;

  private final WorkspaceManager workspaces;
  private final LayerStore store;
  private final RegistryClients registries;
  private final ExecutorService executor;
  private final Clock clock;
  private final String owner;
  private final Runnable changed;
  private final Map<String, WorkspaceStatus> removed = new LinkedHashMap<>();
  private final Map<String, CommitStatus> commits = new ConcurrentHashMap<>();

  /** {@code owner} marks the workspaces this agent manages; {@code changed} asks for a sync. */
  WorkspaceConvergence(
      WorkspaceManager workspaces,
      LayerStore store,
      RegistryClients registries,
      ExecutorService executor,
      Clock clock,
      String owner,
      Runnable changed) {
    this.workspaces = workspaces;
    this.store = store;
    this.registries = registries;
    this.executor = executor;
    this.clock = clock;
    this.owner = owner;
    this.changed = changed;
  }

  /** What one sync found and did to the workspaces: their statuses and the node's workspaces. */
  record Round(List<WorkspaceStatus> statuses, List<WorkspaceInfo> infos) {}

  /**
   * Mounts what the spec wants and unmounts what it dropped. The workspaces are listed (mount table
   * read, every upper measured) once per sync, and again only if this sync changed them.
   */
  Round converge(NodeCache nodeCache, Map<String, LayerRef> layers) throws IOException {
    List<WorkspaceRef> wanted =
        nodeCache.getSpec().getWorkspaces() == null
            ? List.of()
            : nodeCache.getSpec().getWorkspaces();
    List<WorkspaceInfo> infos = workspaces.list();
    Map<String, WorkspaceInfo> byName = new HashMap<>();
    infos.forEach(info -> byName.put(info.record().name(), info));
    Set<String> wantedUids = new HashSet<>();
    List<WorkspaceStatus> statuses = new ArrayList<>();
    boolean changed = false;
    for (WorkspaceRef ref : wanted) {
      wantedUids.add(ref.getUid());
      removed.remove(ref.getUid());
      WorkspaceInfo existing = byName.get(ref.getUid());
      changed |= existing == null || !existing.mounted();
      statuses.add(convergeWorkspace(ref, existing, layers));
    }
    for (WorkspaceInfo info : infos) {
      String uid = info.record().name();
      if (wantedUids.contains(uid) || !ownedHere(info)) {
        continue;
      }
      removed.put(uid, removeWorkspace(info));
      commits.remove(uid);
      changed = true;
    }
    // Report removals for a while, so the operator can release the workspace; then forget them.
    while (removed.size() > MAX_REMOVED_REPORTED) {
      removed.remove(removed.keySet().iterator().next());
    }
    statuses.addAll(removed.values());
    return new Round(statuses, changed ? workspaces.list() : infos);
  }

  private WorkspaceStatus convergeWorkspace(
      WorkspaceRef ref, WorkspaceInfo listed, Map<String, LayerRef> layers) {
    WorkspaceStatus status = new WorkspaceStatus();
    status.setUid(ref.getUid());
    try {
      Optional<WorkspaceInfo> existing = Optional.ofNullable(listed);
      if (existing.isEmpty() || !existing.get().mounted()) {
        List<String> missing =
            ref.getLowers().stream().filter(diffId -> !store.has(diffId)).toList();
        if (!missing.isEmpty()) {
          status.setMessage("waiting for " + missing.size() + " of its layers");
          return status; // no state yet: Pending from the operator's point of view
        }
        existing = Optional.of(workspaces.ensure(request(ref, layers)).info());
      }
      WorkspaceInfo info = existing.get();
      status.setState(WorkspaceState.Mounted);
      status.setMergedPath(info.layout().merged().toString());
      status.setUpperPath(info.layout().upper().toString());
      status.setWorkPath(info.layout().work().toString());
      status.setUpperBytes(info.upperBytes());
      status.setPods(pods(info.binds()));
      long lowerBytes = 0;
      for (String diffId : ref.getLowers()) {
        lowerBytes += store.layer(diffId).map(LayerRecord::unpackedBytes).orElse(0L);
      }
      status.setLowerBytes(lowerBytes);
      if (info.overSizeLimit()) {
        status.setMessage("upper layer is over its size limit");
      }
      if (ref.getCommit() != null) {
        // Once per target: setting or changing commit.image commits again.
        CommitStatus last = commits.get(ref.getUid());
        if (last == null || !last.getImage().equals(ref.getCommit().getImage())) {
          last = startCommit(ref, info);
          commits.put(ref.getUid(), last);
        }
        status.setCommitted(last);
      }
    } catch (IOException | RuntimeException e) {
      status.setState(WorkspaceState.Failed);
      status.setMessage(e.getMessage());
    }
    return status;
  }

  /**
   * Commits the workspace's upper layer once, in the background: it becomes a new layer on the
   * image it was made from, pushed with the push secret from the workspace's namespace.
   */
  private CommitStatus startCommit(WorkspaceRef ref, WorkspaceInfo info) {
    CommitSpec spec = ref.getCommit();
    CommitStatus pushing = commitStatus(spec.getImage(), CommitState.Pushing, null, null);
    executor.execute(
        () -> {
          CommitStatus done;
          Path scratch = null;
          try {
            RegistryClient registry = registries.clientWith(pushSecret(ref));
            scratch = store.newStagingDir();
            LayerCommitter.Result result =
                new LayerCommitter(registry, clock)
                    .commit(
                        info.record(),
                        info.layout().upper(),
                        Platform.host(),
                        ImageReference.parse(spec.getImage()),
                        scratch);
            done =
                commitStatus(
                    spec.getImage(), CommitState.Pushed, result.manifestDigest().toString(), null);
          } catch (IOException | SecretProblem | RuntimeException e) {
            done = commitStatus(spec.getImage(), CommitState.Failed, null, e.getMessage());
          } finally {
            if (scratch != null) {
              try {
                DirFd.deleteTree(scratch);
              } catch (IOException ignored) {
                // staging is cleared at the next start
              }
            }
          }
          commits.replace(ref.getUid(), pushing, done); // unless a newer commit started
          changed.run();
        });
    return pushing;
  }

  /** The push secret, in the workspace's namespace. */
  private static SecretRef pushSecret(WorkspaceRef ref) {
    if (ref.getCommit().getPushSecret() == null) {
      return null;
    }
    SecretRef secret = new SecretRef();
    secret.setNamespace(ref.getNamespace());
    secret.setName(ref.getCommit().getPushSecret().getName());
    return secret;
  }

  private static CommitStatus commitStatus(
      String image, CommitState state, String digest, String message) {
    CommitStatus status = new CommitStatus();
    status.setImage(image);
    status.setState(state);
    status.setDigest(digest);
    status.setMessage(message);
    return status;
  }

  private WorkspaceRequest request(WorkspaceRef ref, Map<String, LayerRef> layers) {
    List<ImageRecord.Layer> lowers =
        ref.getLowers().stream()
            .map(
                diffId -> {
                  LayerRef layer = layers.get(diffId);
                  return layer == null
                      ? new ImageRecord.Layer(diffId, diffId, "", 0)
                      : StoreRecords.layer(Layers.toApi(layer));
                })
            .toList();
    // The operator pins the image to the manifest mounted; a commit builds on that manifest.
    String reference =
        Objects.requireNonNullElse(ref.getImage(), ref.getNamespace() + "/" + ref.getName());
    String manifestDigest = "";
    try {
      manifestDigest = ImageReference.parse(reference).digest().map(Object::toString).orElse("");
    } catch (IllegalArgumentException notAReference) {
      // a workspace without an image reference cannot be committed, but it can be mounted
    }
    ImageRecord image =
        new ImageRecord(
            reference, manifestDigest, Platform.host().toString(), lowers, clock.instant());
    boolean retain =
        ref.getUpper() != null && ref.getUpper().getReclaimPolicy() == ReclaimPolicy.Retain;
    boolean allowSetuid =
        ref.getMount() != null && Boolean.TRUE.equals(ref.getMount().getAllowSetuid());
    boolean allowDevices =
        ref.getMount() != null && Boolean.TRUE.equals(ref.getMount().getAllowDevices());
    Long sizeLimit =
        ref.getUpper() == null || ref.getUpper().getSizeLimit() == null
            ? null
            : Quantity.getAmountInBytes(ref.getUpper().getSizeLimit()).longValue();
    return new WorkspaceRequest(
        ref.getUid(), image, retain, allowSetuid, allowDevices, sizeLimit, owner);
  }

  private WorkspaceStatus removeWorkspace(WorkspaceInfo info) {
    WorkspaceStatus status = new WorkspaceStatus();
    status.setUid(info.record().name());
    try {
      workspaces.remove(info.record().name(), owner, WorkspaceManager.UpperPolicy.RECORDED, false);
      status.setState(WorkspaceState.Removed);
    } catch (WorkspaceBusyException e) {
      // Pods still see it: it stays mounted, and removal is tried again on the next sync.
      status.setState(e.binds().isEmpty() ? WorkspaceState.Failed : WorkspaceState.Mounted);
      status.setPods(e.binds().isEmpty() ? null : pods(e.binds()));
      status.setMessage(e.getMessage());
    } catch (IOException | RuntimeException e) {
      status.setState(WorkspaceState.Failed);
      status.setMessage("unmount failed: " + e.getMessage());
    }
    return status;
  }

  /**
   * The pods that see a workspace, from its binds: the kubelet's target is {@code
   * .../pods/POD_UID/volumes/kubernetes.io~csi/VOLUME/mount}; another target is named as it is.
   * Null when there are none, so an unused workspace's status stays as it was.
   */
  static List<String> pods(List<Path> binds) {
    if (binds.isEmpty()) {
      return null;
    }
    List<String> pods = new ArrayList<>();
    for (Path target : binds) {
      String pod = target.toString();
      for (int i = 0; i + 2 < target.getNameCount(); i++) {
        if (target.getName(i).toString().equals("pods")
            && target.getName(i + 2).toString().equals("volumes")) {
          pod = target.getName(i + 1).toString();
        }
      }
      if (!pods.contains(pod)) {
        pods.add(pod);
      }
    }
    return pods;
  }

  private boolean ownedHere(WorkspaceInfo info) {
    return owner.equals(info.record().owner());
  }
}
