package dev.layercache.agent.workspace;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.layercache.oci.BlobContent;
import dev.layercache.oci.BlobPushResult;
import dev.layercache.oci.Descriptor;
import dev.layercache.oci.Digest;
import dev.layercache.oci.ImageManifest;
import dev.layercache.oci.ImageReference;
import dev.layercache.oci.Layer;
import dev.layercache.oci.MediaTypes;
import dev.layercache.oci.Platform;
import dev.layercache.oci.RegistryClient;
import dev.layercache.oci.ResolvedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/**
 * "Laminates" a workspace: its upper layer becomes a gzip OCI layer on top of the image it was
 * created from, pushed with the base layers (mounted across repositories when the registry is the
 * same) and a config whose diff_ids and history gain one entry.
 */
public final class LayerCommitter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryClient registry;
  private final Clock clock;
  private final Consumer<String> steps;

  public LayerCommitter(RegistryClient registry, Clock clock) {
    this(registry, clock, step -> {});
  }

  /** {@code steps} hears each step as it starts or ends, for progress ("pushed layer 2/3 …"). */
  public LayerCommitter(RegistryClient registry, Clock clock, Consumer<String> steps) {
    this.registry = registry;
    this.clock = clock;
    this.steps = steps;
  }

  /** What a commit pushed. */
  public record Result(
      ImageReference image,
      Digest manifestDigest,
      Descriptor layer,
      Digest diffId,
      List<BlobPushResult> baseLayers) {}

  /**
   * Commits {@code workspace}'s upper directory {@code upper} as {@code target}; {@code scratch} is
   * an empty directory for the layer file, removed by the caller.
   */
  public Result commit(
      WorkspaceRecord workspace, Path upper, Platform platform, ImageReference target, Path scratch)
      throws IOException {
    ImageReference baseRef =
        ImageReference.parse(workspace.image())
            .withDigest(Digest.parse(workspace.manifestDigest()));
    ResolvedImage base = registry.resolve(baseRef, platform);
    byte[] baseConfig;
    try (InputStream in = registry.openBlob(baseRef, base.configDescriptor())) {
      baseConfig = in.readAllBytes();
    }

    steps.accept("packing the upper layer of " + workspace.name());
    Path layerFile = scratch.resolve("layer.tar.gz");
    MessageDigest tarHash = sha256();
    MessageDigest gzipHash = sha256();
    try (OutputStream file = Files.newOutputStream(layerFile);
        DigestOutputStream compressed = new DigestOutputStream(file, gzipHash);
        GZIPOutputStream gzip = new GZIPOutputStream(compressed, 1 << 16);
        DigestOutputStream tar = new DigestOutputStream(gzip, tarHash)) {
      UpperLayerTar.write(upper, tar);
    }
    Digest diffId = new Digest("sha256", HexFormat.of().formatHex(tarHash.digest()));
    Descriptor layer =
        new Descriptor(
            MediaTypes.OCI_LAYER_GZIP,
            new Digest("sha256", HexFormat.of().formatHex(gzipHash.digest())),
            Files.size(layerFile));

    steps.accept("packed: " + layer.size() + " bytes gzip, " + layer.digest());
    byte[] config = newConfig(baseConfig, diffId, workspace.name());
    Descriptor configDescriptor = Descriptor.of(MediaTypes.OCI_CONFIG, config);

    List<BlobPushResult> pushed = new ArrayList<>();
    Optional<String> mountFrom =
        baseRef.registry().equals(target.registry())
            ? Optional.of(baseRef.repository())
            : Optional.empty();
    List<Descriptor> layers = new ArrayList<>();
    int n = 0;
    for (Layer baseLayer : base.layers()) {
      Descriptor blob = baseLayer.blob();
      BlobPushResult result =
          registry.pushBlob(target, blob, () -> registry.openBlob(baseRef, blob), mountFrom);
      pushed.add(result);
      steps.accept(
          "base layer "
              + ++n
              + "/"
              + base.layers().size()
              + " "
              + blob.digest()
              + ": "
              + switch (result) {
                case EXISTS -> "already there";
                case MOUNTED -> "mounted from " + baseRef.repository();
                case UPLOADED -> "uploaded";
              });
      layers.add(new Descriptor(blob.mediaType(), blob.digest(), blob.size()));
    }
    steps.accept("pushing the new layer (" + layer.size() + " bytes)");
    registry.pushBlob(target, layer, BlobContent.of(layerFile));
    layers.add(layer);
    registry.pushBlob(target, configDescriptor, BlobContent.of(config));
    byte[] manifest = new ImageManifest(MediaTypes.OCI_MANIFEST, configDescriptor, layers).toJson();
    Digest digest = registry.pushManifest(target, MediaTypes.OCI_MANIFEST, manifest);
    steps.accept("pushed " + target + "@" + digest);
    return new Result(target, digest, layer, diffId, pushed);
  }

  /** The base config with one more diff_id and history entry, and a new created time. */
  byte[] newConfig(byte[] baseConfig, Digest diffId, String workspace) throws IOException {
    ObjectNode config = (ObjectNode) JSON.readTree(baseConfig);
    String now = clock.instant().toString();
    config.put("created", now);
    ObjectNode rootfs = config.with("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.withArray("diff_ids");
    diffIds.add(diffId.toString());
    ObjectNode step = config.withArray("history").addObject();
    step.put("created", now);
    step.put("created_by", "layercache commit " + workspace);
    step.put("comment", "upper layer of workspace " + workspace);
    return JSON.writeValueAsBytes(config);
  }

  private static MessageDigest sha256() {
    return Digest.newHasher("sha256");
  }
}
