package dev.layercache.oci;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Turns a reference into a {@link ResolvedImage}: index, platform manifest, config. */
final class ImageResolver {
  private static final int MAX_CONFIG_BYTES = 8 << 20;

  private final RegistryClient client;

  ImageResolver(RegistryClient client) {
    this.client = client;
  }

  ResolvedImage resolve(ImageReference ref, Platform platform) throws IOException {
    ManifestBlob top = client.fetchManifest(ref);
    ManifestBlob manifestBlob = top;
    Optional<Digest> indexDigest = Optional.empty();
    Optional<Platform> chosen = Optional.empty();
    if (top.isIndex()) {
      ImageIndex index = ImageIndex.parse(top);
      Descriptor entry =
          index
              .select(platform)
              .orElseThrow(() -> new NoMatchingPlatformException(ref, platform, index.platforms()));
      indexDigest = Optional.of(top.digest());
      chosen = entry.platform();
      manifestBlob = client.fetchManifest(ref.withDigest(entry.digest()));
    }
    ImageManifest manifest = ImageManifest.parse(manifestBlob);
    ImageConfig config = readConfig(ref, manifest.config());
    if (chosen.isEmpty() && !platform.runs(config.platform())) {
      throw new NoMatchingPlatformException(ref, platform, List.of(config.platform()));
    }
    if (config.diffIds().size() != manifest.layers().size()) {
      throw new InvalidManifestException(
          "image "
              + ref
              + " is inconsistent: its config lists "
              + config.diffIds().size()
              + " diff_ids but manifest "
              + manifestBlob.digest()
              + " has "
              + manifest.layers().size()
              + " layers");
    }
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < manifest.layers().size(); i++) {
      layers.add(new Layer(manifest.layers().get(i), config.diffIds().get(i)));
    }
    return new ResolvedImage(
        ref,
        manifestBlob.digest(),
        indexDigest,
        manifestBlob.mediaType(),
        chosen.orElse(config.platform()),
        manifest.config(),
        config,
        layers);
  }

  private ImageConfig readConfig(ImageReference ref, Descriptor descriptor) throws IOException {
    if (descriptor.size() > MAX_CONFIG_BYTES) {
      throw new InvalidManifestException(
          "image config " + descriptor.digest() + " is " + descriptor.size() + " bytes, too large");
    }
    try (InputStream in = client.openBlob(ref, descriptor)) {
      return ImageConfig.parse(in.readAllBytes(), descriptor.digest());
    }
  }
}
