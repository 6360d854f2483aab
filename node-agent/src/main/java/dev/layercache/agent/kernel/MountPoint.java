package dev.layercache.agent.kernel;

import java.nio.file.Path;

/**
 * One line of /proc/self/mountinfo, the parts layercache uses.
 *
 * @param superOptions the filesystem's own options (for overlay: lowerdir, upperdir, ...)
 */
public record MountPoint(Path target, String fstype, String source, String superOptions) {}
