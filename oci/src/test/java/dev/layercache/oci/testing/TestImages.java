package dev.layercache.oci.testing;

import dev.layercache.oci.Compression;
import dev.layercache.oci.Platform;

/**
 * Ready-made test images with the layer shapes that matter: files, links, whiteouts, opaque dirs.
 */
public final class TestImages {
  public static final Platform AMD64 = Platform.parse("linux/amd64");
  public static final Platform ARM64 = Platform.parse("linux/arm64");

  private TestImages() {}

  /** A base layer: directories, files (one executable), a symlink. */
  public static TarBuilder baseLayer(Platform platform) {
    return new TarBuilder()
        .directory("bin")
        .file("bin/busybox", ("#!/bin/sh\necho " + platform + "\n").getBytes(), 0755)
        .symlink("bin/sh", "busybox")
        .directory("etc")
        .file("etc/os-release", "NAME=layercache-test\nPLATFORM=" + platform + "\n")
        .file("etc/obsolete.conf", "remove me\n")
        .directory("var/cache")
        .file("var/cache/stale", "stale\n");
  }

  /** A change layer: deletes a file (whiteout), resets a directory (opaque), adds a file. */
  public static TarBuilder changeLayer() {
    return new TarBuilder()
        .directory("etc")
        .whiteout("etc/obsolete.conf")
        .directory("var/cache")
        .opaque("var/cache")
        .file("var/cache/fresh", "fresh\n");
  }

  /** A small application layer. */
  public static TarBuilder appLayer() {
    return new TarBuilder().directory("app").file("app/hello.txt", "hello from layercache\n");
  }

  /**
   * Three layers: OCI uses gzip, zstd and uncompressed; Docker uses gzip, gzip and uncompressed.
   */
  public static TestImage sample(ImageFormat format, Platform platform) {
    return ImageBuilder.of(format, platform)
        .layer(baseLayer(platform), Compression.GZIP)
        .layer(changeLayer(), format == ImageFormat.OCI ? Compression.ZSTD : Compression.GZIP)
        .layer(appLayer(), Compression.NONE)
        .build();
  }

  /** An index (or manifest list) with linux/amd64 and linux/arm64 variants of {@link #sample}. */
  public static TestIndex multiPlatform(ImageFormat format) {
    return TestIndex.of(format, sample(format, AMD64), sample(format, ARM64));
  }
}
