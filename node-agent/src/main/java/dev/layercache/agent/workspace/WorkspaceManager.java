package dev.layercache.agent.workspace;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layercache.agent.kernel.AtomicFiles;
import dev.layercache.agent.kernel.DirFd;
import dev.layercache.agent.kernel.KernelFeatures;
import dev.layercache.agent.kernel.MountException;
import dev.layercache.agent.kernel.MountPoint;
import dev.layercache.agent.kernel.Mounter;
import dev.layercache.agent.kernel.Syscalls;
import dev.layercache.agent.store.ImageRecord;
import dev.layercache.agent.store.LayerStore;
import dev.layercache.agent.store.StoreLayout;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The workspace engine: creates, mounts, unmounts and removes overlay workspaces over the layer
 * store, and after a restart reconciles the recorded workspaces with the kernel's mount table. The
 * CLI and the in-cluster agent both drive it; it knows nothing of either.
 *
 * <p>Crash safety: a workspace directory is assembled under a dot-name and renamed into place with
 * its record inside, so a workspace without a record is never half-created, only tampered with.
 * Removal renames the directory to a dot-name before deleting it. Dot-names are debris, removed by
 * {@link #recover()}.
 */
public final class WorkspaceManager {
  /** Workspace names: also directory names, so no slashes, no leading dot. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9._-]{0,251}[a-z0-9])?");

  private static final ObjectMapper JSON = LayerStore.JSON;

  private final LayerStore store;
  private final StoreLayout layout;
  private final Mounter mounter;
  private final KernelFeatures kernel;
  private final Clock clock;

  public WorkspaceManager(LayerStore store, Mounter mounter, KernelFeatures kernel, Clock clock) {
    this.store = store;
    this.layout = store.layout();
    this.mounter = mounter;
    this.kernel = kernel;
    this.clock = clock;
  }

  public WorkspaceLayout dirs(String name) {
    return new WorkspaceLayout(layout.workspace(name));
  }

  /**
   * Creates workspace {@code name} over the image's layers (all already in the store) and mounts
   * it. A retained workspace of the same name and layers is mounted again with its upper layer.
   */
  public synchronized WorkspaceInfo create(WorkspaceRequest request) throws IOException {
    requireWriter();
    checkName(request.name());
    WorkspaceLayout dirs = dirs(request.name());
    List<String> lowers = request.image().layers().stream().map(ImageRecord.Layer::diffId).toList();
    Optional<WorkspaceRecord> existing = read(request.name());
    if (existing.isPresent()) {
      return reactivate(existing.get(), lowers, dirs);
    }
    for (String diffId : lowers) {
      if (!store.has(diffId)) {
        throw new WorkspaceException(
            WorkspaceException.Kind.NOT_FOUND,
            "workspace "
                + request.name()
                + ": layer "
                + diffId
                + " of "
                + request.image().reference()
                + " is not in the store (pull the image first)");
      }
    }
    WorkspaceRecord record =
        new WorkspaceRecord(
            request.name(),
            request.image().reference(),
            request.image().manifestDigest(),
            lowers,
            request.retain(),
            request.allowSetuid(),
            request.allowDevices(),
            !request.retain() && kernel.volatileUpper(),
            request.sizeLimitBytes(),
            request.owner(),
            WorkspaceRecord.State.ACTIVE,
            clock.instant());
    Files.createDirectories(layout.workspaces());
    Path temp = layout.workspaces().resolve(".new-" + request.name() + "-" + UUID.randomUUID());
    WorkspaceLayout staged = new WorkspaceLayout(temp);
    Files.createDirectory(temp);
    Files.createDirectory(staged.upper());
    Files.createDirectory(staged.work());
    Files.createDirectory(staged.merged());
    copyRootAttributes(layout.layerDiff(lowers.get(lowers.size() - 1)), staged.upper());
    // An ephemeral workspace is discarded after a crash anyway, so its record needs no fsync.
    AtomicFiles.write(staged.record(), JSON.writeValueAsBytes(record), request.retain());
    try {
      Files.move(temp, dirs.dir(), StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      DirFd.deleteTree(temp);
      throw new WorkspaceException(
          WorkspaceException.Kind.CONFLICT,
          "workspace " + request.name() + " already exists (" + dirs.dir() + ")");
    }
    if (request.retain()) {
      AtomicFiles.fsyncDirectory(layout.workspaces());
    }
    store.markUsed(new LinkedHashSet<>(lowers), clock.instant());
    try {
      mounter.mount(MountPlanner.plan(record, layout, dirs, kernel));
    } catch (IOException e) {
      try {
        discard(dirs);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    return new WorkspaceInfo(record, dirs, true, 0);
  }

  private WorkspaceInfo reactivate(
      WorkspaceRecord record, List<String> lowers, WorkspaceLayout dirs) throws IOException {
    if (!record.lowers().equals(lowers)) {
      throw new WorkspaceException(
          WorkspaceException.Kind.CONFLICT,
          "workspace "
              + record.name()
              + " already exists over different layers (image "
              + record.image()
              + ")");
    }
    if (record.state() == WorkspaceRecord.State.ACTIVE) {
      if (isMounted(dirs)) {
        return new WorkspaceInfo(record, dirs, true, UpperUsage.bytes(dirs.upper()));
      }
      remount(record, dirs);
      return new WorkspaceInfo(record, dirs, true, UpperUsage.bytes(dirs.upper()));
    }
    WorkspaceRecord active = record.withState(WorkspaceRecord.State.ACTIVE).withVolatile(false);
    store.markUsed(new LinkedHashSet<>(lowers), clock.instant());
    resetWork(dirs);
    mounter.mount(MountPlanner.plan(active, layout, dirs, kernel));
    AtomicFiles.write(dirs.record(), JSON.writeValueAsBytes(active));
    return new WorkspaceInfo(active, dirs, true, UpperUsage.bytes(dirs.upper()));
  }

  /** What became of a workspace on {@link #remove}. */
  public enum Removal {
    /** Unmounted and deleted, upper layer included. */
    DELETED,
    /** Unmounted; the upper layer and the record are kept. */
    RETAINED,
    /** There was no such workspace. */
    ABSENT
  }

  /**
   * Unmounts workspace {@code name} and deletes it, or keeps its upper layer when {@code
   * keepUpper}. A busy mount fails with {@link WorkspaceBusyException} naming the processes that
   * hold it, unless {@code force}: then it is detached lazily (gone from the namespace now, freed
   * by the kernel when its last user leaves).
   */
  public synchronized Removal remove(String name, boolean keepUpper, boolean force)
      throws IOException {
    requireWriter();
    checkName(name);
    WorkspaceLayout dirs = dirs(name);
    Optional<WorkspaceRecord> record = read(name);
    if (record.isEmpty()) {
      if (!Files.exists(dirs.dir())) {
        return Removal.ABSENT;
      }
      throw new WorkspaceException(
          WorkspaceException.Kind.INVALID,
          "workspace " + name + " has no record in " + dirs.dir() + "; not touching it");
    }
    unmount(name, dirs, force);
    if (keepUpper) {
      Syscalls.syncfs(dirs.upper()); // a volatile mount never synced it
      // We unmounted it cleanly, so the upper is intact and the kernel may mount it again.
      resetWork(dirs); // drops work/work/incompat/volatile
      AtomicFiles.write(
          dirs.record(),
          JSON.writeValueAsBytes(
              record.get().withState(WorkspaceRecord.State.RETAINED).withVolatile(false)));
      return Removal.RETAINED;
    }
    discard(dirs);
    return Removal.DELETED;
  }

  private void unmount(String name, WorkspaceLayout dirs, boolean force) throws IOException {
    try {
      mounter.unmount(dirs.merged(), false);
    } catch (MountException e) {
      if (e.errno() == 22 || e.errno() == 2) {
        return; // EINVAL: not a mount point (already unmounted); ENOENT: no mount point
      }
      if (!e.isBusy()) {
        throw e;
      }
      if (!force) {
        throw new WorkspaceBusyException(name, dirs.merged(), BusyHolders.find(dirs.merged()));
      }
      mounter.unmount(dirs.merged(), true);
    }
  }

  /** Renames the workspace directory out of the way, then deletes it. */
  private void discard(WorkspaceLayout dirs) throws IOException {
    Path trash = layout.workspaces().resolve(".trash-" + UUID.randomUUID());
    try {
      Files.move(dirs.dir(), trash, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return;
    }
    DirFd.deleteTree(trash);
  }

  /** One workspace, observed now; empty if there is no such workspace. */
  public Optional<WorkspaceInfo> get(String name) throws IOException {
    checkName(name);
    Optional<WorkspaceRecord> record = read(name);
    if (record.isEmpty()) {
      return Optional.empty();
    }
    WorkspaceLayout dirs = dirs(name);
    return Optional.of(
        new WorkspaceInfo(record.get(), dirs, isMounted(dirs), UpperUsage.bytes(dirs.upper())));
  }

  /** Every recorded workspace, with its mount state and measured upper size, by name. */
  public List<WorkspaceInfo> list() throws IOException {
    Set<Path> mounted = mountedTargets();
    List<WorkspaceInfo> infos = new ArrayList<>();
    for (WorkspaceRecord record : records()) {
      WorkspaceLayout dirs = dirs(record.name());
      infos.add(
          new WorkspaceInfo(
              record, dirs, mounted.contains(dirs.merged()), UpperUsage.bytes(dirs.upper())));
    }
    return infos;
  }

  /** The records of every workspace, by name. */
  public List<WorkspaceRecord> records() throws IOException {
    List<WorkspaceRecord> records = new ArrayList<>();
    for (Path dir : entries()) {
      String name = dir.getFileName().toString();
      if (!name.startsWith(".")) {
        read(name).ifPresent(records::add);
      }
    }
    return records;
  }

  /** Layers that workspaces need (mounted or retained): GC must keep them. */
  public Set<String> layersInUse() throws IOException {
    Set<String> inUse = new LinkedHashSet<>();
    for (WorkspaceRecord record : records()) {
      inUse.addAll(record.lowers());
    }
    return inUse;
  }

  /**
   * After a start: keeps recorded workspaces that are still mounted, mounts the missing ones
   * (discarding a volatile upper the kernel would refuse), unmounts overlays under the workspace
   * directory that no record wants (orphans), and removes debris of interrupted creates and
   * removals. Failures of one workspace are reported, not thrown, so the others still recover.
   */
  public synchronized RecoveryReport recover() throws IOException {
    requireWriter();
    RecoveryReport report = RecoveryReport.empty();
    Map<Path, MountPoint> mounts = new HashMap<>();
    for (MountPoint mount : mounter.overlayMounts()) {
      if (mount.target().startsWith(layout.workspaces())) {
        mounts.put(mount.target(), mount);
      }
    }
    Set<Path> wanted = new LinkedHashSet<>();
    for (Path dir : entries()) {
      String name = dir.getFileName().toString();
      WorkspaceLayout dirs = new WorkspaceLayout(dir);
      if (name.startsWith(".")) {
        for (Path target : List.copyOf(mounts.keySet())) {
          if (target.startsWith(dir)) {
            unmountOrphan(target, report);
            mounts.remove(target);
          }
        }
        DirFd.deleteTree(dir);
        report.debris().add(dir.toString());
        continue;
      }
      Optional<WorkspaceRecord> record;
      try {
        record = read(name);
      } catch (IOException e) {
        report.failures().add("workspace " + name + ": unreadable record: " + e.getMessage());
        wanted.add(dirs.merged()); // leave its mount alone until someone looks
        continue;
      }
      if (record.isEmpty() || record.get().state() != WorkspaceRecord.State.ACTIVE) {
        continue;
      }
      wanted.add(dirs.merged());
      if (mounts.containsKey(dirs.merged())) {
        report.kept().add(name);
        continue;
      }
      try {
        if (remount(record.get(), dirs)) {
          report.discardedVolatile().add(name);
        }
        report.remounted().add(name);
      } catch (IOException e) {
        report.failures().add("workspace " + name + ": " + e.getMessage());
      }
    }
    for (Path target : mounts.keySet()) {
      if (!wanted.contains(target)) {
        unmountOrphan(target, report);
      }
    }
    return report;
  }

  /** Mounts a recorded workspace again; true if a volatile upper had to be discarded first. */
  private boolean remount(WorkspaceRecord record, WorkspaceLayout dirs) throws IOException {
    boolean discarded = false;
    if (Files.exists(dirs.volatileMarker(), LinkOption.NOFOLLOW_LINKS)) {
      // The mount vanished without our unmount (a crash or reboot): the kernel never synced this
      // upper, so it may have lost writes. overlayfs refuses the workdir; start empty, as it asks.
      DirFd.deleteTree(dirs.upper());
      Files.createDirectory(dirs.upper());
      copyRootAttributes(
          layout.layerDiff(record.lowers().get(record.lowers().size() - 1)), dirs.upper());
      discarded = true;
    }
    resetWork(dirs);
    Files.createDirectories(dirs.merged());
    store.markUsed(new LinkedHashSet<>(record.lowers()), clock.instant());
    mounter.mount(MountPlanner.plan(record, layout, dirs, kernel));
    return discarded;
  }

  private void unmountOrphan(Path target, RecoveryReport report) {
    try {
      mounter.unmount(target, false);
      report.orphans().add(target + ": unmounted");
    } catch (MountException e) {
      if (!e.isBusy()) {
        report.failures().add("orphan " + target + ": " + e.getMessage());
        return;
      }
      List<String> holders = BusyHolders.find(target);
      try {
        mounter.unmount(target, true);
        report
            .orphans()
            .add(
                target + ": busy" + (holders.isEmpty() ? "" : " (" + holders + ")") + ", detached");
      } catch (IOException again) {
        report.failures().add("orphan " + target + ": " + again.getMessage());
      }
    } catch (IOException e) {
      report.failures().add("orphan " + target + ": " + e.getMessage());
    }
  }

  /** The workdir is the kernel's scratch space: empty it whenever nothing has it mounted. */
  private static void resetWork(WorkspaceLayout dirs) throws IOException {
    DirFd.deleteTree(dirs.work());
    Files.createDirectory(dirs.work());
  }

  /** The merged root shows the upper root's mode and owner: give it the image's. */
  private static void copyRootAttributes(Path topLower, Path upper) throws IOException {
    Map<String, Object> attrs =
        Files.readAttributes(topLower, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
    Files.setPosixFilePermissions(upper, permissions((Integer) attrs.get("mode")));
    Syscalls.lchown(upper, (Integer) attrs.get("uid"), (Integer) attrs.get("gid"));
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> perms = java.util.EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < order.length; i++) {
      if ((mode & (1 << i)) != 0) {
        perms.add(order[i]);
      }
    }
    return perms;
  }

  private boolean isMounted(WorkspaceLayout dirs) throws IOException {
    return mountedTargets().contains(dirs.merged());
  }

  private Set<Path> mountedTargets() throws IOException {
    Set<Path> targets = new LinkedHashSet<>();
    for (MountPoint mount : mounter.overlayMounts()) {
      targets.add(mount.target());
    }
    return targets;
  }

  Optional<WorkspaceRecord> read(String name) throws IOException {
    try {
      return Optional.of(
          JSON.readValue(Files.readAllBytes(dirs(name).record()), WorkspaceRecord.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private List<Path> entries() throws IOException {
    if (!Files.isDirectory(layout.workspaces())) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(layout.workspaces())) {
      return dirs.filter(Files::isDirectory).sorted().toList();
    }
  }

  private void requireWriter() {
    if (!store.writable()) {
      throw new IllegalStateException("store " + layout.root() + " was opened read-only");
    }
  }

  static void checkName(String name) throws WorkspaceException {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new WorkspaceException(
          WorkspaceException.Kind.INVALID,
          "workspace name \""
              + name
              + "\" is not valid: lowercase letters, digits, '.', '_' and '-', starting and ending"
              + " with a letter or digit, at most 253 characters");
    }
  }
}
