package dev.layercache.oci.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.layercache.oci.Compression;
import dev.layercache.oci.Descriptor;
import dev.layercache.oci.ImageManifest;
import dev.layercache.oci.Platform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link TestImage} in code: layers with the right diff_ids, a config with history, and an
 * OCI or Docker schema 2 manifest.
 *
 * <pre>{@code
 * TestImage image = ImageBuilder.oci(Platform.parse("linux/amd64"))
 *     .layer(new TarBuilder().file("etc/motd", "hi"), Compression.GZIP)
 *     .build();
 * Digest digest = image.push(client, registry.reference("team/app:1"));
 * }</pre>
 */
public final class ImageBuilder {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CREATED = "2024-01-01T00:00:00Z";

  private final ImageFormat format;
  private final Platform platform;
  private final List<LayerBlob> layers = new ArrayList<>();
  private boolean omitManifestMediaType;

  private ImageBuilder(ImageFormat format, Platform platform) {
    this.format = format;
    this.platform = platform;
  }

  public static ImageBuilder oci(Platform platform) {
    return new ImageBuilder(ImageFormat.OCI, platform);
  }

  public static ImageBuilder docker(Platform platform) {
    return new ImageBuilder(ImageFormat.DOCKER, platform);
  }

  public static ImageBuilder of(ImageFormat format, Platform platform) {
    return new ImageBuilder(format, platform);
  }

  public ImageBuilder layer(TarBuilder tar, Compression compression) {
    return layer(tar.build(), compression);
  }

  public ImageBuilder layer(byte[] tar, Compression compression) {
    layers.add(LayerBlob.of(tar, compression, format));
    return this;
  }

  /** Leaves out the manifest's optional top-level mediaType, as some OCI tools do. */
  public ImageBuilder omitManifestMediaType() {
    omitManifestMediaType = true;
    return this;
  }

  public TestImage build() {
    ObjectNode config = JSON.createObjectNode();
    config.put("created", CREATED);
    config.put("architecture", platform.architecture());
    config.put("os", platform.os());
    if (!platform.variant().isEmpty()) {
      config.put("variant", platform.variant());
    }
    config.putObject("config").putArray("Cmd").add("/bin/sh");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    layers.forEach(l -> rootfs.withArray("diff_ids").add(l.diffId().toString()));
    for (int i = 0; i < layers.size(); i++) {
      ObjectNode h = config.withArray("history").addObject();
      h.put("created", CREATED);
      h.put("created_by", "layercache test layer " + (i + 1));
    }
    ObjectNode cmd = config.withArray("history").addObject();
    cmd.put("created", CREATED);
    cmd.put("created_by", "CMD [\"/bin/sh\"]");
    cmd.put("empty_layer", true);
    byte[] configJson = write(config);
    Descriptor configDescriptor = Descriptor.of(format.configMediaType(), configJson);
    ImageManifest manifest =
        new ImageManifest(
            format.manifestMediaType(),
            configDescriptor,
            layers.stream().map(LayerBlob::descriptor).toList());
    byte[] manifestJson = manifest.toJson();
    if (omitManifestMediaType) {
      manifestJson = withoutMediaType(manifestJson);
    }
    return new TestImage(
        platform,
        format.manifestMediaType(),
        manifestJson,
        configDescriptor,
        configJson,
        List.copyOf(layers));
  }

  private static byte[] withoutMediaType(byte[] json) {
    try {
      ObjectNode node = (ObjectNode) JSON.readTree(json);
      node.remove("mediaType");
      return write(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] write(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
