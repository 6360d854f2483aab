package dev.layercache.oci.testing;

/** How long each fuzz target runs in CI under {@code -Pfuzz} (docs/fuzzing.md). */
public final class FuzzBudget {
  /** Per target: the whole fuzzing step of scripts/test.sh stays under three minutes. */
  public static final String CI = "6s";

  private FuzzBudget() {}
}
