package dev.layercache.api.v1alpha1;

/** The API group and version of every layercache kind. */
public final class ApiGroup {

  /** The API group. */
  public static final String GROUP = "layercache.dev";

  /** The version of this package's types. */
  public static final String VERSION = "v1alpha1";

  private ApiGroup() {}
}
