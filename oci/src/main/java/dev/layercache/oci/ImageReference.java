package dev.layercache.oci;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A normalised image reference: registry host, repository, and a tag and/or digest, parsed the way
 * Docker does ({@code ubuntu} is {@code docker.io/library/ubuntu:latest}).
 */
public final class ImageReference {
  /** The registry name Docker Hub images carry; its API lives at registry-1.docker.io. */
  public static final String DOCKER_HUB = "docker.io";

  private static final int MAX_NAME_LENGTH = 255;
  private static final String LABEL = "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?";
  private static final Pattern HOST =
      Pattern.compile(
          "(?:" + LABEL + "(?:\\." + LABEL + ")*|\\[[a-fA-F0-9:.]+\\])(?::[0-9]{1,5})?");
  private static final Pattern PATH_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("\\w[\\w.-]{0,127}");

  private final String registry;
  private final String repository;
  private final String tag;
  private final Digest digest;

  private ImageReference(String registry, String repository, String tag, Digest digest) {
    this.registry = registry;
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  public static ImageReference parse(String input) {
    if (input == null || input.isBlank()) {
      throw new InvalidReferenceException(String.valueOf(input), "reference is empty");
    }
    if (!input.equals(input.strip()) || input.chars().anyMatch(Character::isWhitespace)) {
      throw new InvalidReferenceException(input, "reference contains whitespace");
    }
    String rest = input;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      try {
        digest = Digest.parse(rest.substring(at + 1));
      } catch (IllegalArgumentException e) {
        throw new InvalidReferenceException(input, e.getMessage());
      }
      rest = rest.substring(0, at);
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (tag.isEmpty()) {
        throw new InvalidReferenceException(input, "tag is empty after ':'");
      }
      if (!TAG.matcher(tag).matches()) {
        throw new InvalidReferenceException(
            input,
            "invalid tag \""
                + tag
                + "\": a tag is 1-128 letters, digits, '_', '.' or '-' and may not start with"
                + " '.' or '-'");
      }
    }
    String registry = DOCKER_HUB;
    String path = rest;
    int slash = rest.indexOf('/');
    if (slash >= 0 && looksLikeHost(rest.substring(0, slash))) {
      registry = rest.substring(0, slash);
      path = rest.substring(slash + 1);
      if (!HOST.matcher(registry).matches()) {
        throw new InvalidReferenceException(input, "invalid registry host \"" + registry + "\"");
      }
    }
    if (registry.equals("index.docker.io")) {
      registry = DOCKER_HUB;
    }
    if (path.isEmpty()) {
      throw new InvalidReferenceException(input, "repository name is empty");
    }
    if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
      path = "library/" + path;
    }
    validateRepository(input, path);
    if (registry.length() + 1 + path.length() > MAX_NAME_LENGTH) {
      throw new InvalidReferenceException(
          input, "name is longer than " + MAX_NAME_LENGTH + " characters");
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(registry, path, tag, digest);
  }

  // Docker's rule: the first component is a host if it has a '.' or ':', is localhost, or has
  // uppercase letters (repository names cannot).
  private static boolean looksLikeHost(String component) {
    return component.contains(".")
        || component.contains(":")
        || component.equals("localhost")
        || !component.equals(component.toLowerCase(Locale.ROOT));
  }

  private static void validateRepository(String input, String path) {
    if (!path.equals(path.toLowerCase(Locale.ROOT))) {
      throw new InvalidReferenceException(
          input, "repository name \"" + path + "\" must be lowercase");
    }
    for (String component : path.split("/", -1)) {
      if (!PATH_COMPONENT.matcher(component).matches()) {
        throw new InvalidReferenceException(
            input,
            "invalid repository name component \""
                + component
                + "\" in \""
                + path
                + "\": use lowercase letters and digits, separated by '.', '_', '__' or '-'");
      }
    }
  }

  /** The registry name, e.g. {@code docker.io}, {@code ghcr.io}, {@code 127.0.0.1:5000}. */
  public String registry() {
    return registry;
  }

  /** The repository path inside the registry, e.g. {@code library/ubuntu}. */
  public String repository() {
    return repository;
  }

  public Optional<String> tag() {
    return Optional.ofNullable(tag);
  }

  public Optional<Digest> digest() {
    return Optional.ofNullable(digest);
  }

  /** What goes after {@code /manifests/}: the digest when there is one, else the tag. */
  public String manifestReference() {
    return digest != null ? digest.toString() : tag;
  }

  /** The same image pinned to {@code digest}; the tag is kept for display. */
  public ImageReference withDigest(Digest digest) {
    return new ImageReference(registry, repository, tag, Objects.requireNonNull(digest));
  }

  /** The same repository with {@code tag} and no digest. */
  public ImageReference withTag(String tag) {
    return parse(registry + "/" + repository + ":" + tag);
  }

  /** {@code registry/repository} without tag or digest. */
  public String name() {
    return registry + "/" + repository;
  }

  @Override
  public String toString() {
    return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageReference other && toString().equals(other.toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }
}
