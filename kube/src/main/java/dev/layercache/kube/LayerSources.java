package dev.layercache.kube;

import dev.layercache.api.v1alpha1.LayerSource;
import dev.layercache.api.v1alpha1.SecretRef;
import dev.layercache.oci.ImageReference;
import java.util.List;

/**
 * The one mapping between an image reference and the {@code {registry, repository}} a NodeCache
 * layer names its source by: the operator writes it from the image it resolved, the agent reads
 * back the repository to pull from.
 */
public final class LayerSources {
  private LayerSources() {}

  /** The source of {@code image}'s layers, with the pull secrets that reach it. */
  public static LayerSource of(String image, List<SecretRef> pullSecrets) {
    ImageReference ref = ImageReference.parse(image);
    LayerSource source = new LayerSource();
    source.setRegistry(ref.registry());
    source.setRepository(ref.repository());
    source.setPullSecrets(pullSecrets.isEmpty() ? null : List.copyOf(pullSecrets));
    return source;
  }

  /** The repository to fetch from. */
  public static ImageReference repository(LayerSource source) {
    return ImageReference.parse(source.getRegistry() + "/" + source.getRepository());
  }
}
