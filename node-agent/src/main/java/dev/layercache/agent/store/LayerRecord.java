package dev.layercache.agent.store;

import java.time.Instant;

/**
 * One unpacked layer in the store, as recorded in {@code layers/HEX/layer.json}.
 *
 * @param diffId digest of the uncompressed tar: the layer's identity in the store
 * @param unpackedBytes bytes of regular-file content in the unpacked tree
 * @param entries tar entries unpacked
 * @param blobDigest digest of the compressed blob it was unpacked from (the first one seen)
 * @param mediaType media type of that blob
 * @param compressedBytes size of that blob
 * @param createdAt when it entered the store
 */
public record LayerRecord(
    String diffId,
    long unpackedBytes,
    long entries,
    String blobDigest,
    String mediaType,
    long compressedBytes,
    Instant createdAt) {}
