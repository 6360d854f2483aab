package dev.layercache.api.v1alpha1;

/**
 * Regular expressions of the API, shared by the schema ({@code @Pattern}) and {@code
 * SpecValidator}.
 */
public final class Patterns {

  // Image references follow Docker's grammar (distribution/reference), with sha256 digests only.
  // Each expression must mean the same to Java and to the API server's RE2: no lookarounds.
  private static final String DOMAIN_COMPONENT =
      "([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final String REGISTRY_PART =
      "(" + DOMAIN_COMPONENT + "(\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+\\])(:[0-9]+)?";
  private static final String PATH_COMPONENT = "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*";
  private static final String REPOSITORY_PART = PATH_COMPONENT + "(/" + PATH_COMPONENT + ")*";
  private static final String TAG_PART = "[\\w][\\w.-]{0,127}";
  private static final String DIGEST_PART = "sha256:[a-f0-9]{64}";

  /** Image reference: {@code [registry/]repository[:tag][@sha256:hex]}. */
  public static final String IMAGE_REFERENCE =
      "^("
          + REGISTRY_PART
          + "/)?"
          + REPOSITORY_PART
          + "(:"
          + TAG_PART
          + ")?(@"
          + DIGEST_PART
          + ")?$";

  /** Longest accepted image reference. */
  public static final int IMAGE_REFERENCE_MAX_LENGTH = 512;

  /**
   * Registry host with optional port: {@code docker.io}, {@code localhost:5000}, {@code
   * [::1]:5000}.
   */
  public static final String REGISTRY = "^" + REGISTRY_PART + "$";

  /** Repository path: lowercase components separated by {@code /}, e.g. {@code library/python}. */
  public static final String REPOSITORY = "^" + REPOSITORY_PART + "$";

  /** Tag: up to 128 letters, digits, {@code _ . -}, not starting with {@code .} or {@code -}. */
  public static final String TAG = "^" + TAG_PART + "$";

  /** A sha256 digest: {@code sha256:} and 64 lowercase hex digits. */
  public static final String DIGEST = "^" + DIGEST_PART + "$";

  /** Platform: {@code os/arch} or {@code os/arch/variant}, e.g. {@code linux/arm64/v8}. */
  public static final String PLATFORM = "^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$";

  /** Go duration as {@code time.ParseDuration} accepts it, unsigned: {@code 30m}, {@code 1h30m}. */
  public static final String DURATION = "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$";

  /**
   * Non-negative byte quantity in Kubernetes notation: {@code 512Mi}, {@code 10Gi}, {@code 1e9}.
   */
  public static final String QUANTITY =
      "^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[kMGTPE]|[eE][0-9]+)?$";

  /** RFC 1123 subdomain, at most 253 characters: names of nodes and Secrets. */
  public static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** RFC 1123 label, at most 63 characters: names of namespaces. */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  private Patterns() {}
}
