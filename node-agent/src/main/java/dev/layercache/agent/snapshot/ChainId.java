package dev.layercache.agent.snapshot;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * OCI chain IDs, how containerd names an unpacked stack of layers: ChainID(L0) = DiffID(L0),
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
 */
public final class ChainId {
  private ChainId() {}

  /** The chain ID of {@code diffId} on top of {@code parentChainId} (null: the bottom layer). */
  public static String of(String parentChainId, String diffId) {
    if (parentChainId == null || parentChainId.isEmpty()) {
      return diffId;
    }
    return sha256(parentChainId + " " + diffId);
  }

  static String sha256(String text) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
