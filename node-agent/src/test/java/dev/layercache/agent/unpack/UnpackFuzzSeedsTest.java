package dev.layercache.agent.unpack;

import dev.layercache.oci.testing.FuzzSeeds;
import dev.layercache.oci.testing.ImageFormat;
import dev.layercache.oci.testing.LayerBlob;
import dev.layercache.oci.testing.TestImages;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Seeds of the unpack and decode fuzz targets: HostileLayerTest's attacks aimed at the fuzz
 * target's scratch directory, and the unit tests' own image layers.
 */
class UnpackFuzzSeedsTest {

  @Test
  void unpackSeedsAreTheHostileCorpusAndTheTestLayers() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    HostileLayerTest.attacks()
        .map(a -> (HostileLayerTest.Attack) a.get()[0])
        .forEach(a -> seeds.put(slug(a.name()), a.tar().apply(LayerUnpackerFuzzTest.OUTSIDE)));
    List<LayerBlob> layers = TestImages.sample(ImageFormat.OCI, TestImages.AMD64).layers();
    for (int i = 0; i < layers.size(); i++) {
      seeds.put("test-image-layer-" + i, layers.get(i).tar());
    }
    FuzzSeeds.check(LayerUnpackerFuzzTest.class.getName(), "unpack", seeds);
  }

  @Test
  void decodeSeedsAreTheTestImageBlobs() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    for (LayerBlob layer : TestImages.sample(ImageFormat.OCI, TestImages.AMD64).layers()) {
      LayerCompression compression = LayerCompression.forMediaType(layer.descriptor().mediaType());
      byte[] input = new byte[layer.bytes().length + 1];
      input[0] = (byte) compression.ordinal();
      System.arraycopy(layer.bytes(), 0, input, 1, layer.bytes().length);
      seeds.put(compression.name().toLowerCase(Locale.ROOT), input);
    }
    FuzzSeeds.check(LayerDecodeFuzzTest.class.getName(), "decode", seeds);
  }

  private static String slug(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
  }
}
