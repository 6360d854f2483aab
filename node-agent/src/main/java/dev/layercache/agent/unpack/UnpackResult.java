package dev.layercache.agent.unpack;

/**
 * What one unpacked layer holds: tar entries read, regular files written and their content bytes
 * (the layer's apparent size; a hard link adds no bytes).
 */
public record UnpackResult(long entries, long regularFiles, long regularFileBytes) {}
