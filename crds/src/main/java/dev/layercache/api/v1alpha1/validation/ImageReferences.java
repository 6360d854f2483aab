package dev.layercache.api.v1alpha1.validation;

import dev.layercache.api.v1alpha1.Patterns;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Checks image references against {@link Patterns#IMAGE_REFERENCE} and names the broken part. */
public final class ImageReferences {

  private static final Pattern REFERENCE = Pattern.compile(Patterns.IMAGE_REFERENCE);
  private static final Pattern REGISTRY = Pattern.compile(Patterns.REGISTRY);
  private static final Pattern REPOSITORY = Pattern.compile(Patterns.REPOSITORY);
  private static final Pattern TAG = Pattern.compile(Patterns.TAG);
  private static final Pattern DIGEST = Pattern.compile(Patterns.DIGEST);

  private ImageReferences() {}

  /** Returns why {@code reference} is not a valid image reference, or empty when it is valid. */
  public static Optional<String> findProblem(String reference) {
    if (reference == null || reference.isEmpty()) {
      return Optional.of("must not be empty");
    }
    if (reference.length() > Patterns.IMAGE_REFERENCE_MAX_LENGTH) {
      return Optional.of("is longer than " + Patterns.IMAGE_REFERENCE_MAX_LENGTH + " characters");
    }
    if (REFERENCE.matcher(reference).matches()) {
      return Optional.empty();
    }
    return Optional.of(diagnose(reference));
  }

  private static String diagnose(String reference) {
    if (reference.chars().anyMatch(Character::isWhitespace)) {
      return "must not contain whitespace";
    }
    String name = reference;
    int at = reference.indexOf('@');
    if (at >= 0) {
      String digest = reference.substring(at + 1);
      if (!DIGEST.matcher(digest).matches()) {
        return "digest \"" + digest + "\" must be sha256: followed by 64 lowercase hex digits";
      }
      name = reference.substring(0, at);
    }
    int colon = name.lastIndexOf(':');
    if (colon > name.lastIndexOf('/')) {
      String tag = name.substring(colon + 1);
      if (!TAG.matcher(tag).matches()) {
        return "tag \""
            + tag
            + "\" must be 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'";
      }
      name = name.substring(0, colon);
    }
    String repository = name;
    int slash = name.indexOf('/');
    // Docker's rule: the first component names a registry if it has a '.' or ':' or is localhost.
    if (slash > 0) {
      String first = name.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        if (!REGISTRY.matcher(first).matches()) {
          return "registry \"" + first + "\" is not a host name or address with an optional port";
        }
        repository = name.substring(slash + 1);
      }
    }
    if (!repository.equals(repository.toLowerCase(Locale.ROOT))) {
      return "repository must be lowercase";
    }
    if (!REPOSITORY.matcher(repository).matches()) {
      return "repository \""
          + repository
          + "\" must be lowercase letters and digits, separated by '/', '.', '_', '__' or '-'";
    }
    return "does not match [registry/]repository[:tag][@sha256:digest]";
  }
}
