package dev.layercache.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/** A content digest such as {@code sha256:<64 hex>}: the address of every blob and manifest. */
public record Digest(String algorithm, String hex) {

  private static final Map<String, Integer> HEX_LENGTHS = Map.of("sha256", 64, "sha512", 128);
  private static final Pattern LOWER_HEX = Pattern.compile("[a-f0-9]+");
  private static volatile Function<String, MessageDigest> hashers = Digest::jdkHasher;

  public Digest {
    Integer length = HEX_LENGTHS.get(algorithm);
    if (length == null) {
      throw new IllegalArgumentException(
          "unsupported digest algorithm \"" + algorithm + "\" (expected sha256 or sha512)");
    }
    if (hex.length() != length || !LOWER_HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException(
          "invalid "
              + algorithm
              + " digest \""
              + hex
              + "\": expected "
              + length
              + " lowercase hex characters");
    }
  }

  /** Parses {@code algorithm:hex}, for example {@code sha256:e3b0c442...}. */
  public static Digest parse(String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("digest is empty");
    }
    int colon = value.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "invalid digest \"" + value + "\": expected <algorithm>:<hex>, e.g. sha256:<64 hex>");
    }
    return new Digest(value.substring(0, colon), value.substring(colon + 1));
  }

  public static Digest sha256(byte[] content) {
    return of("sha256", newHasher("sha256").digest(content));
  }

  /** The digest of {@code content} with the same algorithm as this one. */
  public Digest recompute(byte[] content) {
    return of(algorithm, newHasher().digest(content));
  }

  public MessageDigest newHasher() {
    return newHasher(algorithm);
  }

  static Digest of(String algorithm, byte[] hash) {
    return new Digest(algorithm, HexFormat.of().formatHex(hash));
  }

  /** A new hasher for {@code algorithm} ("sha256" or "sha512"), from {@link #useHashers}. */
  public static MessageDigest newHasher(String algorithm) {
    return hashers.apply(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
  }

  /**
   * Where hashers come from from now on, by JDK name ("SHA-256", "SHA-512"): for a process with
   * faster ones than the JDK's (the node's, through libcrypto).
   */
  public static void useHashers(Function<String, MessageDigest> factory) {
    hashers = factory;
  }

  private static MessageDigest jdkHasher(String javaName) {
    try {
      return MessageDigest.getInstance(javaName);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks " + javaName, e);
    }
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }
}
