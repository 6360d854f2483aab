package dev.layercache.api.v1alpha1.validation;

import dev.layercache.api.v1alpha1.CommitSpec;
import dev.layercache.api.v1alpha1.LayerCache;
import dev.layercache.api.v1alpha1.LayerCacheSpec;
import dev.layercache.api.v1alpha1.LayerRef;
import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.LocalSecretRef;
import dev.layercache.api.v1alpha1.NodeCache;
import dev.layercache.api.v1alpha1.NodeCacheSpec;
import dev.layercache.api.v1alpha1.OverlayWorkspace;
import dev.layercache.api.v1alpha1.OverlayWorkspaceSpec;
import dev.layercache.api.v1alpha1.Patterns;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.api.v1alpha1.UpperLayerSpec;
import dev.layercache.api.v1alpha1.WorkspaceRef;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules of the CRD schema (patterns, required fields, limits and CEL rules) as Java, for places
 * that have no API server to enforce them: the operator, the node agent and the standalone CLI.
 *
 * <p>Each problem is one message that starts with the field path, e.g. {@code spec.images[1]:
 * "docker.io/Library/x" is not a valid image reference: repository must be lowercase}. An empty
 * list means the object is valid.
 */
public final class SpecValidator {

  private static final Pattern DIGEST = Pattern.compile(Patterns.DIGEST);
  private static final Pattern PLATFORM = Pattern.compile(Patterns.PLATFORM);
  private static final Pattern DURATION = Pattern.compile(Patterns.DURATION);
  private static final Pattern QUANTITY = Pattern.compile(Patterns.QUANTITY);
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile(Patterns.DNS_SUBDOMAIN);
  private static final Pattern DNS_LABEL = Pattern.compile(Patterns.DNS_LABEL);
  private static final Pattern REGISTRY = Pattern.compile(Patterns.REGISTRY);
  private static final Pattern REPOSITORY = Pattern.compile(Patterns.REPOSITORY);

  private static final int MAX_IMAGES = 64;
  private static final int MAX_PLATFORMS = 16;
  private static final int MAX_SECRETS = 16;
  private static final int MAX_MATCH_EXPRESSIONS = 32;

  private final List<String> problems = new ArrayList<>();

  private SpecValidator() {}

  /** Problems of a LayerCache's spec. */
  public static List<String> validate(LayerCache layerCache) {
    SpecValidator v = new SpecValidator();
    LayerCacheSpec spec = layerCache.getSpec();
    if (spec == null) {
      v.add("spec", "is required");
      return v.problems;
    }
    List<String> images = spec.getImages();
    if (images == null || images.isEmpty()) {
      v.add("spec.images", "at least one image is required");
    } else {
      v.atMost("spec.images", images, MAX_IMAGES);
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < images.size(); i++) {
        v.imageReference("spec.images[" + i + "]", images.get(i));
        if (images.get(i) != null && !seen.add(images.get(i))) {
          v.add("spec.images[" + i + "]", quote(images.get(i)) + " is listed twice");
        }
      }
    }
    v.labelSelector("spec.nodeSelector", spec.getNodeSelector());
    List<String> platforms = spec.getPlatforms();
    if (platforms != null) {
      v.atMost("spec.platforms", platforms, MAX_PLATFORMS);
      for (int i = 0; i < platforms.size(); i++) {
        if (v.present("spec.platforms[" + i + "]", platforms.get(i))
            && !matches(PLATFORM, platforms.get(i))) {
          v.add(
              "spec.platforms[" + i + "]",
              quote(platforms.get(i))
                  + " is not a platform: use os/arch or os/arch/variant, e.g. linux/amd64");
        }
      }
    }
    v.secretRefs("spec.pullSecrets", spec.getPullSecrets());
    if (spec.getRefreshInterval() != null && !matches(DURATION, spec.getRefreshInterval())) {
      v.add(
          "spec.refreshInterval",
          quote(spec.getRefreshInterval())
              + " is not a duration: use Go duration syntax such as 30m, 1h or 1h30m");
    }
    if (spec.getMaxConcurrentNodes() != null && spec.getMaxConcurrentNodes() < 0) {
      v.add("spec.maxConcurrentNodes", "must be 0 or more, got " + spec.getMaxConcurrentNodes());
    }
    return v.problems;
  }

  /** Problems of an OverlayWorkspace's spec. */
  public static List<String> validate(OverlayWorkspace workspace) {
    SpecValidator v = new SpecValidator();
    OverlayWorkspaceSpec spec = workspace.getSpec();
    if (spec == null) {
      v.add("spec", "is required");
      return v.problems;
    }
    v.imageReference("spec.image", spec.getImage());
    if (spec.getNodeName() != null) {
      v.name("spec.nodeName", spec.getNodeName(), DNS_SUBDOMAIN, 253);
      if (spec.getNodeSelector() != null) {
        v.add("spec", "set nodeName or nodeSelector, not both");
      }
    }
    v.labelSelector("spec.nodeSelector", spec.getNodeSelector());
    List<LocalSecretRef> pullSecrets = spec.getPullSecrets();
    if (pullSecrets != null) {
      v.atMost("spec.pullSecrets", pullSecrets, MAX_SECRETS);
      for (int i = 0; i < pullSecrets.size(); i++) {
        if (v.present("spec.pullSecrets[" + i + "]", pullSecrets.get(i))) {
          v.localSecretRef("spec.pullSecrets[" + i + "]", pullSecrets.get(i));
        }
      }
    }
    v.upper("spec.upper", spec.getUpper());
    if (spec.getTtlSecondsAfterReady() != null && spec.getTtlSecondsAfterReady() < 0) {
      v.add(
          "spec.ttlSecondsAfterReady", "must be 0 or more, got " + spec.getTtlSecondsAfterReady());
    }
    v.commit("spec.commit", spec.getCommit());
    return v.problems;
  }

  /**
   * Problems of changing an OverlayWorkspace from {@code current} to {@code updated}: those of
   * {@link #validate(OverlayWorkspace)} plus the immutable fields.
   */
  public static List<String> validateUpdate(OverlayWorkspace current, OverlayWorkspace updated) {
    List<String> problems = new ArrayList<>(validate(updated));
    OverlayWorkspaceSpec before = current.getSpec();
    OverlayWorkspaceSpec after = updated.getSpec();
    if (before == null || after == null) {
      return problems;
    }
    if (!Objects.equals(before.getImage(), after.getImage())) {
      problems.add(
          "spec.image: is immutable (was "
              + quote(before.getImage())
              + ", now "
              + quote(after.getImage())
              + "); create a new workspace for another image");
    }
    if (before.getNodeName() != null && !before.getNodeName().equals(after.getNodeName())) {
      problems.add(
          "spec.nodeName: is immutable once set (was "
              + quote(before.getNodeName())
              + ", now "
              + quote(after.getNodeName())
              + ")");
    }
    return problems;
  }

  /** Problems of a NodeCache's spec, as the operator writes it and the node agent reads it. */
  public static List<String> validate(NodeCache nodeCache) {
    SpecValidator v = new SpecValidator();
    NodeCacheSpec spec = nodeCache.getSpec();
    if (spec == null) {
      return v.problems;
    }
    Set<String> diffIds = new HashSet<>();
    List<LayerRef> layers = spec.getLayers() == null ? List.of() : spec.getLayers();
    for (int i = 0; i < layers.size(); i++) {
      String path = "spec.layers[" + i + "]";
      LayerRef layer = layers.get(i);
      if (!v.present(path, layer)) {
        continue;
      }
      v.digest(path + ".digest", layer.getDigest());
      v.digest(path + ".diffID", layer.getDiffID());
      if (layer.getDiffID() != null && !diffIds.add(layer.getDiffID())) {
        v.add(path + ".diffID", layer.getDiffID() + " is listed twice");
      }
      if (layer.getSize() != null && layer.getSize() < 0) {
        v.add(path + ".size", "must be 0 or more, got " + layer.getSize());
      }
      v.layerSources(path + ".sources", layer.getSources());
    }
    List<WorkspaceRef> workspaces = spec.getWorkspaces() == null ? List.of() : spec.getWorkspaces();
    Set<String> uids = new HashSet<>();
    for (int i = 0; i < workspaces.size(); i++) {
      String path = "spec.workspaces[" + i + "]";
      WorkspaceRef workspace = workspaces.get(i);
      if (!v.present(path, workspace)) {
        continue;
      }
      v.required(path + ".uid", workspace.getUid());
      if (workspace.getUid() != null && !uids.add(workspace.getUid())) {
        v.add(path + ".uid", workspace.getUid() + " is listed twice");
      }
      v.required(path + ".namespace", workspace.getNamespace());
      v.required(path + ".name", workspace.getName());
      List<String> lowers = workspace.getLowers();
      if (lowers == null) {
        v.add(path + ".lowers", "is required");
      } else {
        for (int j = 0; j < lowers.size(); j++) {
          String lowerPath = path + ".lowers[" + j + "]";
          if (v.digest(lowerPath, lowers.get(j)) && !diffIds.contains(lowers.get(j))) {
            v.add(lowerPath, lowers.get(j) + " is not in spec.layers");
          }
        }
      }
      v.upper(path + ".upper", workspace.getUpper());
      v.commit(path + ".commit", workspace.getCommit());
    }
    return v.problems;
  }

  private void add(String path, String cause) {
    problems.add(path + ": " + cause);
  }

  private void required(String path, String value) {
    if (value == null || value.isEmpty()) {
      add(path, "is required");
    }
  }

  /** A list entry written as {@code - } or {@code null} in YAML arrives as null. */
  private boolean present(String path, Object entry) {
    if (entry == null) {
      add(path, "is empty (null); remove the entry or give it a value");
      return false;
    }
    return true;
  }

  private void atMost(String path, List<?> list, int max) {
    if (list.size() > max) {
      add(path, "at most " + max + " entries are allowed, got " + list.size());
    }
  }

  private void imageReference(String path, String reference) {
    if (reference == null) {
      add(path, "is required");
      return;
    }
    ImageReferences.findProblem(reference)
        .ifPresent(
            cause -> add(path, quote(reference) + " is not a valid image reference: " + cause));
  }

  /** Adds a problem unless {@code value} is a sha256 digest; tells whether it is one. */
  private boolean digest(String path, String value) {
    if (value == null) {
      add(path, "is required");
      return false;
    }
    if (!matches(DIGEST, value)) {
      add(path, quote(value) + " is not a digest: use sha256: followed by 64 lowercase hex digits");
      return false;
    }
    return true;
  }

  private void name(String path, String value, Pattern pattern, int maxLength) {
    if (value == null || value.isEmpty()) {
      add(path, "is required");
    } else if (value.length() > maxLength || !matches(pattern, value)) {
      add(
          path,
          quote(value)
              + " is not a valid name: lowercase letters, digits and '-'"
              + (pattern == DNS_SUBDOMAIN ? " or '.'" : "")
              + ", starting and ending with a letter or digit, at most "
              + maxLength
              + " characters");
    }
  }

  private void secretRefs(String path, List<SecretRef> refs) {
    if (refs == null) {
      return;
    }
    atMost(path, refs, MAX_SECRETS);
    for (int i = 0; i < refs.size(); i++) {
      if (!present(path + "[" + i + "]", refs.get(i))) {
        continue;
      }
      name(path + "[" + i + "].name", refs.get(i).getName(), DNS_SUBDOMAIN, 253);
      name(path + "[" + i + "].namespace", refs.get(i).getNamespace(), DNS_LABEL, 63);
    }
  }

  private void localSecretRef(String path, LocalSecretRef ref) {
    if (ref != null) {
      name(path + ".name", ref.getName(), DNS_SUBDOMAIN, 253);
    }
  }

  private void labelSelector(String path, LabelSelector selector) {
    if (selector == null || selector.getMatchExpressions() == null) {
      return;
    }
    List<LabelSelectorRequirement> expressions = selector.getMatchExpressions();
    atMost(path + ".matchExpressions", expressions, MAX_MATCH_EXPRESSIONS);
    for (int i = 0; i < expressions.size(); i++) {
      String itemPath = path + ".matchExpressions[" + i + "]";
      LabelSelectorRequirement expression = expressions.get(i);
      if (!present(itemPath, expression)) {
        continue;
      }
      required(itemPath + ".key", expression.getKey());
      boolean hasValues = expression.getValues() != null && !expression.getValues().isEmpty();
      String operator = expression.getOperator();
      if (operator == null) {
        add(itemPath + ".operator", "is required");
      } else {
        switch (operator) {
          case "In", "NotIn" -> {
            if (!hasValues) {
              add(itemPath + ".values", operator + " needs at least one value");
            }
          }
          case "Exists", "DoesNotExist" -> {
            if (hasValues) {
              add(itemPath + ".values", operator + " takes no values");
            }
          }
          default ->
              add(
                  itemPath + ".operator",
                  quote(operator) + " is not one of In, NotIn, Exists, DoesNotExist");
        }
      }
    }
  }

  private void upper(String path, UpperLayerSpec upper) {
    if (upper == null || upper.getSizeLimit() == null) {
      return;
    }
    String sizeLimit = upper.getSizeLimit().toString();
    if (!matches(QUANTITY, sizeLimit)) {
      add(
          path + ".sizeLimit",
          quote(sizeLimit)
              + " is not a byte quantity: use a number with an optional unit"
              + " such as 512Mi, 10Gi or 1G");
    }
  }

  private void commit(String path, CommitSpec commit) {
    if (commit == null) {
      return;
    }
    imageReference(path + ".image", commit.getImage());
    if (commit.getImage() != null && commit.getImage().contains("@")) {
      add(path + ".image", "must be a tag reference, not a digest");
    }
    localSecretRef(path + ".pushSecret", commit.getPushSecret());
  }

  private void layerSources(String path, List<LayerSource> sources) {
    if (sources == null || sources.isEmpty()) {
      add(path, "at least one source is required");
      return;
    }
    for (int i = 0; i < sources.size(); i++) {
      LayerSource source = sources.get(i);
      String sourcePath = path + "[" + i + "]";
      if (!present(sourcePath, source)) {
        continue;
      }
      if (source.getRegistry() == null) {
        add(sourcePath + ".registry", "is required");
      } else if (!matches(REGISTRY, source.getRegistry())) {
        add(
            sourcePath + ".registry",
            quote(source.getRegistry()) + " is not a host name or address with an optional port");
      }
      if (source.getRepository() == null) {
        add(sourcePath + ".repository", "is required");
      } else if (!matches(REPOSITORY, source.getRepository())) {
        add(
            sourcePath + ".repository",
            quote(source.getRepository())
                + " is not a repository: lowercase letters and digits, separated by '/', '.',"
                + " '_', '__' or '-'");
      }
      secretRefs(sourcePath + ".pullSecrets", source.getPullSecrets());
    }
  }

  private static boolean matches(Pattern pattern, String value) {
    return value != null && pattern.matcher(value).matches();
  }

  private static String quote(String value) {
    return "\"" + value + "\"";
  }
}
