package dev.layercache.agent.csi;

import dev.layercache.agent.csi.VolumeException.Code;
import dev.layercache.agent.standalone.StandaloneReconciler.ImageSource;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.workspace.WorkspaceInfo;
import dev.layercache.agent.workspace.WorkspaceManager;
import dev.layercache.agent.workspace.WorkspaceRequest;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.InvalidReferenceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the CSI node plugin does, without the wire: publishes a volume by binding a workspace's
 * merged view at the kubelet's target, and unpublishes it. Two kinds of volume:
 *
 * <ul>
 *   <li>inline ({@code image: REF}): a workspace of its own, {@code csi_<sha256(volumeId)>} owned
 *       by {@code csi/<volumeId>}, created on publish (the image pulled if missing) and removed on
 *       unpublish, its upper kept only with {@code reclaimPolicy: Retain};
 *   <li>named ({@code workspace: NAME}): the OverlayWorkspace NAME of the pod's own namespace,
 *       bound, never created or removed here.
 * </ul>
 *
 * <p>It keeps no state: what is published is the workspace records plus the mount table, so both
 * calls are idempotent and a restarted daemon answers as before.
 */
public final class VolumePublisher {
  public static final String IMAGE = "image";
  public static final String WORKSPACE = "workspace";
  public static final String RECLAIM_POLICY = "reclaimPolicy";

  /** What the kubelet adds to the volume context (podInfoOnMount, ephemeral volumes). */
  static final String KUBELET_PREFIX = "csi.storage.k8s.io/";

  static final String POD_NAMESPACE = KUBELET_PREFIX + "pod.namespace";

  private static final Set<String> KEYS = Set.of(IMAGE, WORKSPACE, RECLAIM_POLICY);

  /**
   * One NodePublishVolume, as this plugin reads it.
   *
   * @param attributes the volume context: the volume's attributes and what the kubelet adds
   */
  public record Publication(
      String volumeId, String targetPath, boolean readOnly, Map<String, String> attributes) {

    public Publication {
      attributes = Map.copyOf(attributes);
    }
  }

  private final WorkspaceManager workspaces;
  private final ImageSource images;
  private final NamedWorkspaces named;
  private final Object[] locks = new Object[64];

  public VolumePublisher(WorkspaceManager workspaces, ImageSource images, NamedWorkspaces named) {
    this.workspaces = workspaces;
    this.images = images;
    this.named = named;
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new Object();
    }
  }

  /** The workspace an inline volume lives in. */
  public static String inlineWorkspace(String volumeId) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(volumeId.getBytes(StandardCharsets.UTF_8));
      return WorkspaceManager.CSI_NAME_PREFIX + HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String inlineOwner(String volumeId) {
    return WorkspaceManager.CSI_OWNER_PREFIX + volumeId;
  }

  /** Makes the volume's workspace show at the target; already there is success. */
  public void publish(Publication publication) throws IOException {
    String volumeId = required(publication.volumeId(), "volume_id");
    Path target = target(publication.targetPath());
    Map<String, String> attributes = publication.attributes();
    for (String key : attributes.keySet()) {
      if (!KEYS.contains(key) && !key.startsWith(KUBELET_PREFIX)) {
        throw new VolumeException(
            Code.INVALID_ARGUMENT,
            "volume "
                + volumeId
                + ": unknown volumeAttribute "
                + key
                + " (known: image, workspace, reclaimPolicy)");
      }
    }
    String image = attributes.get(IMAGE);
    String workspace = attributes.get(WORKSPACE);
    if ((image == null) == (workspace == null)) {
      throw new VolumeException(
          Code.INVALID_ARGUMENT,
          "volume "
              + volumeId
              + " needs exactly one of the volumeAttributes image (a fresh overlay of an image for"
              + " this pod) and workspace (an OverlayWorkspace of the pod's namespace)");
    }
    synchronized (lock(volumeId)) {
      if (image != null) {
        publishInline(volumeId, image, attributes.get(RECLAIM_POLICY), target, publication);
      } else {
        if (attributes.containsKey(RECLAIM_POLICY)) {
          throw new VolumeException(
              Code.INVALID_ARGUMENT,
              "volume "
                  + volumeId
                  + ": reclaimPolicy belongs to inline volumes (image); workspace "
                  + workspace
                  + " keeps the policy of its OverlayWorkspace");
        }
        publishNamed(volumeId, workspace, attributes.get(POD_NAMESPACE), target, publication);
      }
    }
  }

  private void publishInline(
      String volumeId, String image, String reclaimPolicy, Path target, Publication publication)
      throws IOException {
    boolean retain =
        switch (reclaimPolicy == null ? "Delete" : reclaimPolicy) {
          case "Delete" -> false;
          case "Retain" -> true;
          default ->
              throw new VolumeException(
                  Code.INVALID_ARGUMENT,
                  "volume "
                      + volumeId
                      + ": reclaimPolicy \""
                      + reclaimPolicy
                      + "\" is neither Delete nor Retain");
        };
    String reference;
    try {
      reference = ImageReference.parse(image).toString();
    } catch (InvalidReferenceException e) {
      throw new VolumeException(
          Code.INVALID_ARGUMENT, "volume " + volumeId + ": image: " + e.getMessage(), e);
    }
    String name = inlineWorkspace(volumeId);
    String owner = inlineOwner(volumeId);
    // Before any pull: the same volume over another image is the kubelet's mistake, not ours.
    workspaces.check(name, owner, reference);
    boolean existed = workspaces.get(name).isPresent();
    ImageRecord record = images.ensure(reference);
    workspaces.ensure(new WorkspaceRequest(name, record, retain, false, false, null, owner));
    try {
      workspaces.bind(name, target, publication.readOnly());
    } catch (IOException e) {
      if (!existed) {
        try {
          workspaces.remove(name, owner, WorkspaceManager.UpperPolicy.DELETE, false);
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
  }

  private void publishNamed(
      String volumeId, String workspace, String namespace, Path target, Publication publication)
      throws IOException {
    if (namespace == null || namespace.isEmpty()) {
      throw new VolumeException(
          Code.INVALID_ARGUMENT,
          "volume "
              + volumeId
              + " asks for workspace "
              + workspace
              + " but the kubelet sent no pod namespace: the CSIDriver "
              + CsiPlugin.NAME
              + " needs podInfoOnMount: true");
    }
    if (workspace.contains("/")) {
      throw new VolumeException(
          Code.PERMISSION_DENIED,
          "volume "
              + volumeId
              + ": a pod in namespace "
              + namespace
              + " may mount only OverlayWorkspaces of its own namespace, by name; \""
              + workspace
              + "\" names another");
    }
    String name =
        named
            .find(namespace, workspace)
            .orElseThrow(
                () ->
                    new VolumeException(
                        Code.NOT_FOUND,
                        "volume "
                            + volumeId
                            + ": OverlayWorkspace "
                            + namespace
                            + "/"
                            + workspace
                            + " is not on this node (a pod may mount only a workspace of its"
                            + " own namespace, on the workspace's node: kubectl get ows -n "
                            + namespace
                            + " "
                            + workspace
                            + " shows its NODE)"));
    workspaces.bind(name, target, publication.readOnly());
  }

  /**
   * Removes the bind at the target and the target itself; an inline volume's workspace goes too
   * (its upper kept if it was published with Retain). Nothing there is success.
   */
  public void unpublish(String volumeIdField, String targetPath) throws IOException {
    String volumeId = required(volumeIdField, "volume_id");
    Path target = target(targetPath);
    synchronized (lock(volumeId)) {
      workspaces.unbind(target);
      try {
        Files.deleteIfExists(target);
      } catch (DirectoryNotEmptyException e) {
        throw new VolumeException(
            Code.FAILED_PRECONDITION,
            "volume "
                + volumeId
                + ": "
                + target
                + " is not a layercache mount and not empty; not deleting it",
            e);
      }
      String name = inlineWorkspace(volumeId);
      String owner = inlineOwner(volumeId);
      Optional<WorkspaceInfo> inline =
          workspaces.get(name).filter(ws -> ws.record().owner().equals(owner));
      if (inline.isPresent() && inline.get().binds().isEmpty()) {
        workspaces.remove(name, owner, WorkspaceManager.UpperPolicy.RECORDED, false);
      }
    }
  }

  private static String required(String value, String field) throws VolumeException {
    if (value == null || value.isEmpty()) {
      throw new VolumeException(Code.INVALID_ARGUMENT, field + " is required");
    }
    return value;
  }

  private static Path target(String targetPath) throws VolumeException {
    Path target;
    try {
      target = Path.of(required(targetPath, "target_path"));
    } catch (InvalidPathException e) {
      // A NUL byte, say: no kernel path can hold it (found by NodeServiceFuzzTest).
      throw new VolumeException(
          Code.INVALID_ARGUMENT, "target_path is not a valid path: " + e.getReason());
    }
    if (!target.isAbsolute()) {
      throw new VolumeException(
          Code.INVALID_ARGUMENT, "target_path " + targetPath + " is not an absolute path");
    }
    return target.normalize();
  }

  private Object lock(String volumeId) {
    return locks[Math.floorMod(volumeId.hashCode(), locks.length)];
  }
}
