package dev.layercache.agent.workspace;

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
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The workspace engine: creates, converges, unmounts and removes overlay workspaces over the layer
 * store. A workspace is planned into a mount description ({@link MountPlanner}) and the {@link
 * Mounter} performs it; records live in {@link WorkspaceRecords}; after a restart {@link
 * WorkspaceRecovery} reconciles them with the kernel's mount table. The CLI, {@code apply} and the
 * in-cluster agent all drive it; it knows nothing of them.
 *
 * <p>What becomes of an upper layer is decided here, once: by the workspace's own policy (its
 * {@code retain} setting) unless the caller overrides it explicitly ({@link UpperPolicy}); and only
 * the workspace's owner may remove or change it.
 *
 * <p>Crash safety: a workspace directory is assembled under a dot-name and renamed into place with
 * its record inside, so a workspace without a record is never half-created, only tampered with.
 * Removal renames the directory to a dot-name before deleting it. Dot-names are debris, removed by
 * recovery and by GC.
 */
public final class WorkspaceManager {
  /** Workspace names: DNS-subdomain-like, also directory names (no slashes, no leading dot). */
  public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9._-]{0,251}[a-z0-9])?");

  /**
   * Names with this prefix belong to owners starting with {@link #CSI_OWNER_PREFIX} (pods' inline
   * volumes) and nobody else: an underscore is in no namespace, object name or UID, so apply and
   * the agent never produce it, and the CLI is refused it.
   */
  public static final String CSI_NAME_PREFIX = "csi_";

  public static final String CSI_OWNER_PREFIX = "csi/";

  private final LayerStore store;
  private final StoreLayout layout;
  private final Mounter mounter;
  private final KernelFeatures kernel;
  private final Clock clock;
  private final WorkspaceRecords records;

  public WorkspaceManager(LayerStore store, Mounter mounter, KernelFeatures kernel, Clock clock) {
    this.store = store;
    this.layout = store.layout();
    this.mounter = mounter;
    this.kernel = kernel;
    this.clock = clock;
    this.records = new WorkspaceRecords(layout.workspaces());
  }

  public WorkspaceLayout dirs(String name) {
    return records.layout(name);
  }

  /** What a caller's request did to the workspace. */
  public enum Outcome {
    CREATED,
    /** It existed but was not mounted (retained, or lost in a crash); now it is. */
    REMOUNTED,
    /** It was mounted; settings changed (see {@link Ensured#changes()}). */
    CONFIGURED,
    UNCHANGED
  }

  /**
   * The result of {@link #ensure}.
   *
   * @param changes settings changed, e.g. {@code retain: false -> true}
   * @param warnings what could not be done now and why, e.g. a volatile mount in use
   */
  public record Ensured(
      WorkspaceInfo info, Outcome outcome, List<String> changes, List<String> warnings) {}

  /**
   * Checks, before anything is pulled or mounted, that a request for workspace {@code name} by
   * {@code owner} over {@code image} could be honoured: a valid name, and an existing workspace of
   * that name has the same owner and image. Throws the {@link WorkspaceException} {@link #ensure}
   * would.
   */
  public void check(String name, String owner, String image) throws IOException {
    checkName(name);
    checkReserved(name, owner);
    Optional<WorkspaceRecord> existing = records.read(name);
    if (existing.isPresent()) {
      checkOwner(existing.get(), owner, "change");
      if (!existing.get().image().equals(image)) {
        throw new WorkspaceException(
            WorkspaceException.Kind.CONFLICT,
            "workspace "
                + name
                + " already exists over another image ("
                + existing.get().image()
                + "); the image of a workspace cannot change: remove it first");
      }
    }
  }

  /**
   * Makes workspace {@code request.name()} exist, mounted, with the request's settings: creates it
   * over the image's layers (all already in the store), mounts a retained one again with its upper
   * layer, or converges the settings of a mounted one. Only its owner may change it, and its image
   * cannot change.
   */
  public synchronized Ensured ensure(WorkspaceRequest request) throws IOException {
    requireWriter();
    checkName(request.name());
    checkReserved(request.name(), request.owner());
    WorkspaceLayout dirs = dirs(request.name());
    List<String> lowers = request.image().layers().stream().map(ImageRecord.Layer::diffId).toList();
    Optional<WorkspaceRecord> existing = records.read(request.name());
    if (existing.isPresent()) {
      WorkspaceRecord record = existing.get();
      checkOwner(record, request.owner(), "change");
      if (!record.lowers().equals(lowers)) {
        throw new WorkspaceException(
            WorkspaceException.Kind.CONFLICT,
            "workspace "
                + record.name()
                + " already exists over different layers (image "
                + record.image()
                + "); the image of a workspace cannot change: remove it first");
      }
      return converge(record, request, dirs);
    }
    return new Ensured(create(request, lowers, dirs), Outcome.CREATED, List.of(), List.of());
  }

  private WorkspaceInfo create(WorkspaceRequest request, List<String> lowers, WorkspaceLayout dirs)
      throws IOException {
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
    WorkspaceLayout staged =
        WorkspaceDirs.stage(layout.workspaces(), layout.layerDiff(lowers.get(lowers.size() - 1)));
    Path temp = staged.dir();
    // An ephemeral workspace is discarded after a crash anyway, so its record needs no fsync.
    WorkspaceRecords.write(staged, record, request.retain());
    try {
      Files.move(temp, dirs.dir(), StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      DirFd.deleteTree(temp);
      throw new WorkspaceException(
          WorkspaceException.Kind.CONFLICT,
          "workspace " + request.name() + " already exists (" + dirs.dir() + ")");
    }
    store.markUsed(new LinkedHashSet<>(lowers), clock.instant());
    try {
      mounter.mount(MountPlanner.plan(record, layout, dirs, kernel));
    } catch (IOException e) {
      try {
        WorkspaceDirs.discard(layout.workspaces(), dirs);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    if (request.retain()) {
      AtomicFiles.fsyncDirectory(layout.workspaces());
    }
    return new WorkspaceInfo(record, dirs, true, 0, List.of());
  }

  private Ensured converge(WorkspaceRecord record, WorkspaceRequest request, WorkspaceLayout dirs)
      throws IOException {
    WorkspaceRecord wanted = record.withSettings(request);
    List<String> changes = record.settingChanges(wanted);
    if (record.state() == WorkspaceRecord.State.RETAINED) {
      // Unmounted cleanly with its upper kept: mount it again, never volatile (the upper matters).
      WorkspaceRecord active = wanted.withState(WorkspaceRecord.State.ACTIVE).withVolatile(false);
      WorkspaceDirs.resetWork(dirs);
      mount(active, dirs);
      WorkspaceRecords.write(dirs, active, true);
      return new Ensured(info(active, dirs), Outcome.REMOUNTED, changes, List.of());
    }
    if (!isMounted(dirs)) {
      // Recorded as mounted but not there (a crash, an unmount behind our back).
      WorkspaceRecords.write(dirs, wanted, true);
      List<String> warnings = new ArrayList<>();
      if (remount(wanted, dirs)) {
        warnings.add(discardedVolatileMessage(wanted.name()));
      }
      return new Ensured(info(wanted, dirs), Outcome.REMOUNTED, changes, warnings);
    }
    if (changes.isEmpty()) {
      return new Ensured(info(record, dirs), Outcome.UNCHANGED, changes, List.of());
    }
    // The policy first and durably: from now on a removal keeps (or drops) the upper as asked,
    // whatever else fails below.
    WorkspaceRecords.write(dirs, wanted, true);
    if (wanted.allowSetuid() != record.allowSetuid()
        || wanted.allowDevices() != record.allowDevices()) {
      mounter.setFlags(dirs.merged(), !wanted.allowSetuid(), !wanted.allowDevices());
    }
    List<String> warnings = new ArrayList<>();
    WorkspaceRecord result = wanted;
    if (wanted.retain() && record.volatileUpper()) {
      result = makeDurable(wanted, dirs, warnings);
    }
    return new Ensured(info(result, dirs), Outcome.CONFIGURED, changes, warnings);
  }

  /**
   * A volatile mount cannot be made durable in place: overlayfs takes its options only at mount
   * time. Unmount it (only if nothing uses it), sync the upper, and mount it again without {@code
   * volatile}. If it is in use it stays volatile until it is next mounted, and the caller is told.
   */
  private WorkspaceRecord makeDurable(
      WorkspaceRecord record, WorkspaceLayout dirs, List<String> warnings) throws IOException {
    try {
      mounter.unmount(dirs.merged(), false);
    } catch (MountException e) {
      if (!e.isBusy()) {
        throw e;
      }
      warnings.add(
          "workspace "
              + record.name()
              + ": its upper layer is now kept on removal, but it stays mounted volatile while"
              + " in use ("
              + String.join(", ", BusyHolders.find(dirs.merged()))
              + "): a crash before it is next unmounted would discard it");
      return record;
    }
    Syscalls.syncfs(dirs.upper());
    WorkspaceRecord durable = record.withVolatile(false);
    WorkspaceDirs.resetWork(dirs);
    WorkspaceRecords.write(dirs, durable, true);
    mount(durable, dirs);
    return durable;
  }

  /** What to do with a workspace's upper layer on {@link #remove}. */
  public enum UpperPolicy {
    /** As the workspace's own setting says: kept if it is retained, else deleted. */
    RECORDED,
    /** Keep it, whatever the setting (umount --keep-upper). */
    KEEP,
    /** Delete it, whatever the setting (umount --delete-upper). */
    DELETE
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
   * Unmounts workspace {@code name} and deletes it or keeps its upper layer, as {@code upper} says.
   * Only {@code owner}, the workspace's own, may remove it. A busy mount fails with {@link
   * WorkspaceBusyException} naming the processes that hold it, unless {@code force}: then it is
   * detached lazily (gone from the namespace now, freed by the kernel when its last user leaves).
   */
  public synchronized Removal remove(String name, String owner, UpperPolicy upper, boolean force)
      throws IOException {
    requireWriter();
    checkName(name);
    WorkspaceLayout dirs = dirs(name);
    Optional<WorkspaceRecord> found = records.read(name);
    if (found.isEmpty()) {
      if (!Files.exists(dirs.dir())) {
        return Removal.ABSENT;
      }
      throw new WorkspaceException(
          WorkspaceException.Kind.INVALID,
          "workspace " + name + " has no record in " + dirs.dir() + "; not touching it");
    }
    WorkspaceRecord record = found.get();
    checkOwner(record, owner, "remove");
    List<Path> binds = binds(dirs, mounter.overlayMounts());
    if (!binds.isEmpty()) {
      // Unmounting merged would leave the binds holding the overlay while its upper is deleted.
      throw new WorkspaceBusyException(name, binds);
    }
    boolean keep =
        switch (upper) {
          case KEEP -> true;
          case DELETE -> false;
          case RECORDED -> record.retain() || record.state() == WorkspaceRecord.State.RETAINED;
        };
    unmount(name, dirs, force);
    if (keep) {
      Syscalls.syncfs(dirs.upper()); // a volatile mount never synced it
      // We unmounted it cleanly, so the upper is intact and the kernel may mount it again.
      WorkspaceDirs.resetWork(dirs); // drops work/work/incompat/volatile
      WorkspaceRecords.write(
          dirs, record.withState(WorkspaceRecord.State.RETAINED).withVolatile(false), true);
      return Removal.RETAINED;
    }
    WorkspaceDirs.discard(layout.workspaces(), dirs);
    return Removal.DELETED;
  }

  /**
   * Shows workspace {@code name}'s merged view at {@code target} (a bind of its one overlay, so the
   * upper is never mounted twice); read-only if asked. The workspace must be mounted. Binding the
   * same workspace at the same target again changes nothing; a target that already shows something
   * else is refused.
   */
  public synchronized void bind(String name, Path target, boolean readOnly) throws IOException {
    requireWriter();
    checkName(name);
    WorkspaceLayout dirs = dirs(name);
    WorkspaceRecord record =
        records
            .read(name)
            .orElseThrow(
                () ->
                    new WorkspaceException(
                        WorkspaceException.Kind.NOT_FOUND,
                        "workspace " + name + " does not exist"));
    List<MountPoint> mounts = mounter.overlayMounts();
    Set<Path> targets = new LinkedHashSet<>();
    mounts.forEach(m -> targets.add(m.target()));
    if (record.state() != WorkspaceRecord.State.ACTIVE || !targets.contains(dirs.merged())) {
      throw new WorkspaceException(
          WorkspaceException.Kind.NOT_MOUNTED,
          "workspace "
              + name
              + " is not mounted ("
              + info(record, dirs).state()
              + "); it can be bound once it is");
    }
    Path absolute = resolve(target);
    if (binds(dirs, mounts).contains(absolute)) {
      return;
    }
    for (MountPoint mount : mounts) {
      if (mount.target().equals(absolute)) {
        throw new WorkspaceException(
            WorkspaceException.Kind.CONFLICT,
            absolute + " already shows another overlay (" + mount.superOptions() + ")");
      }
    }
    if (absolute.startsWith(layout.root())) {
      throw new WorkspaceException(
          WorkspaceException.Kind.INVALID,
          "cannot bind workspace " + name + " inside the store (" + absolute + ")");
    }
    Files.createDirectories(absolute);
    mounter.bind(MountPlanner.bind(record, dirs, absolute, readOnly));
  }

  /**
   * Removes the bind of a workspace at {@code target}: the workspace name it showed, or empty if
   * {@code target} showed no workspace (nothing to do). A bind still in use is detached lazily: the
   * workspace's own mount keeps its upper, so nothing is lost.
   */
  public synchronized Optional<String> unbind(Path target) throws IOException {
    requireWriter();
    Path absolute = resolve(target);
    List<MountPoint> mounts = mounter.overlayMounts();
    for (WorkspaceRecord record : records.all()) {
      WorkspaceLayout dirs = dirs(record.name());
      if (absolute.equals(dirs.merged())) {
        throw new WorkspaceException(
            WorkspaceException.Kind.INVALID,
            absolute + " is workspace " + record.name() + "'s own mount, not a bind of it");
      }
      if (binds(dirs, mounts).contains(absolute)) {
        try {
          mounter.unmount(absolute, false);
        } catch (MountException e) {
          if (!e.isBusy()) {
            throw e;
          }
          mounter.unmount(absolute, true);
        }
        return Optional.of(record.name());
      }
    }
    return Optional.empty();
  }

  /** The path the mount table shows for {@code target}: symlinks in it resolved. */
  private static Path resolve(Path target) throws IOException {
    Path absolute = target.toAbsolutePath().normalize();
    if (Files.exists(absolute)) {
      return absolute.toRealPath();
    }
    Path parent = absolute.getParent();
    return parent != null && Files.isDirectory(parent)
        ? parent.toRealPath().resolve(absolute.getFileName())
        : absolute;
  }

  /** Where workspace {@code name} is bound (not its own mount), in mount order. */
  public List<Path> binds(String name) throws IOException {
    checkName(name);
    return binds(dirs(name), mounter.overlayMounts());
  }

  /** The overlay mounts with this workspace's upperdir other than its merged/ are its binds. */
  private static List<Path> binds(WorkspaceLayout dirs, List<MountPoint> mounts) {
    String upper = "upperdir=" + dirs.upper();
    List<Path> binds = new ArrayList<>();
    for (MountPoint mount : mounts) {
      if (!mount.target().equals(dirs.merged())
          && List.of(mount.superOptions().split(",")).contains(upper)) {
        binds.add(mount.target());
      }
    }
    return binds;
  }

  private static void checkReserved(String name, String owner) throws WorkspaceException {
    if (name.startsWith(CSI_NAME_PREFIX) != owner.startsWith(CSI_OWNER_PREFIX)) {
      throw new WorkspaceException(
          WorkspaceException.Kind.INVALID,
          name.startsWith(CSI_NAME_PREFIX)
              ? "workspace names starting with "
                  + CSI_NAME_PREFIX
                  + " are kept for pods' inline volumes; choose another name"
              : "inline volume workspaces are named " + CSI_NAME_PREFIX + "…, not " + name);
    }
  }

  private static void checkOwner(WorkspaceRecord record, String owner, String verb)
      throws WorkspaceException {
    if (!record.owner().equals(owner)) {
      throw new WorkspaceException(
          WorkspaceException.Kind.CONFLICT,
          "workspace "
              + record.name()
              + " belongs to "
              + record.owner()
              + ", not "
              + owner
              + "; only its owner may "
              + verb
              + " it"
              + ownerHint(record.owner()));
    }
  }

  private static String ownerHint(String owner) {
    if (owner.equals("cli")) {
      return " (layercache mount/umount)";
    }
    if (owner.startsWith("OverlayWorkspace/")) {
      return " (layercache apply/delete -f with that object)";
    }
    return "";
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

  /** One workspace, observed now; empty if there is no such workspace. */
  public Optional<WorkspaceInfo> get(String name) throws IOException {
    checkName(name);
    Optional<WorkspaceRecord> record = records.read(name);
    if (record.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(info(record.get(), dirs(name)));
  }

  /** Every recorded workspace, with its mount state and measured upper size, by name. */
  public List<WorkspaceInfo> list() throws IOException {
    List<MountPoint> mounts = mounter.overlayMounts();
    Set<Path> mounted = new LinkedHashSet<>();
    mounts.forEach(m -> mounted.add(m.target()));
    List<WorkspaceInfo> infos = new ArrayList<>();
    for (WorkspaceRecord record : records.all()) {
      WorkspaceLayout dirs = dirs(record.name());
      infos.add(
          new WorkspaceInfo(
              record,
              dirs,
              mounted.contains(dirs.merged()),
              UpperUsage.bytes(dirs.upper()),
              binds(dirs, mounts)));
    }
    return infos;
  }

  /** The records of every workspace, by name. */
  public List<WorkspaceRecord> records() throws IOException {
    return records.all();
  }

  /** Layers that workspaces need (mounted or retained): GC must keep them. */
  public Set<String> layersInUse() throws IOException {
    Set<String> inUse = new LinkedHashSet<>();
    for (WorkspaceRecord record : records.all()) {
      inUse.addAll(record.lowers());
    }
    return inUse;
  }

  /** Debris of interrupted creates and removals: dot-named directories under the workspaces. */
  public List<Path> debris() throws IOException {
    return records.entries().stream()
        .filter(p -> p.getFileName().toString().startsWith("."))
        .toList();
  }

  /**
   * After a start: keeps recorded workspaces that are still mounted, mounts the missing ones,
   * unmounts orphans and removes debris. See {@link WorkspaceRecovery}.
   */
  public synchronized RecoveryReport recover() throws IOException {
    requireWriter();
    return new WorkspaceRecovery(this, records, mounter).run();
  }

  /**
   * Mounts a recorded workspace again; true if a volatile upper had to be discarded first because
   * the mount vanished without our unmount (the kernel may have lost its writes).
   */
  boolean remount(WorkspaceRecord record, WorkspaceLayout dirs) throws IOException {
    boolean discarded = false;
    if (Files.exists(dirs.volatileMarker(), LinkOption.NOFOLLOW_LINKS)) {
      // overlayfs refuses this workdir: the upper was never synced. Start empty, as it asks.
      WorkspaceDirs.emptyUpper(
          dirs, layout.layerDiff(record.lowers().get(record.lowers().size() - 1)));
      discarded = true;
    }
    WorkspaceDirs.resetWork(dirs);
    Files.createDirectories(dirs.merged());
    mount(record, dirs);
    return discarded;
  }

  static String discardedVolatileMessage(String name) {
    return "workspace " + name + ": volatile upper discarded after an unclean shutdown";
  }

  private void mount(WorkspaceRecord record, WorkspaceLayout dirs) throws IOException {
    store.markUsed(new LinkedHashSet<>(record.lowers()), clock.instant());
    mounter.mount(MountPlanner.plan(record, layout, dirs, kernel));
  }

  private WorkspaceInfo info(WorkspaceRecord record, WorkspaceLayout dirs) throws IOException {
    List<MountPoint> mounts = mounter.overlayMounts();
    return new WorkspaceInfo(
        record,
        dirs,
        mounts.stream().anyMatch(m -> m.target().equals(dirs.merged())),
        UpperUsage.bytes(dirs.upper()),
        binds(dirs, mounts));
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
