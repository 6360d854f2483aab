package dev.layercache.agent.store;

import java.time.Instant;
import java.util.List;

/**
 * What a pulled image reference resolved to: its manifest and its ordered layers (bottom first).
 *
 * @param reference the canonical reference the user asked for
 * @param manifestDigest digest of the platform manifest
 * @param platform os/arch[/variant] of that manifest
 * @param layers the layers, bottom first
 * @param pulledAt when the pull completed
 */
public record ImageRecord(
    String reference,
    String manifestDigest,
    String platform,
    List<Layer> layers,
    Instant pulledAt) {

  /** One layer of an image: the blob as the registry serves it and the diffID it unpacks to. */
  public record Layer(String diffId, String digest, String mediaType, long compressedBytes) {}
}
