package dev.layercache.agent.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layercache.agent.kernel.RootRequired;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** libcrypto's hashes equal the JDK's, whatever the sizes and offsets of the updates. */
class LibcryptoDigestTest {
  private Function<String, MessageDigest> hashers;

  @BeforeEach
  void needsLibcrypto() {
    RootRequired.require(
        LibcryptoDigest.hashers().isPresent(), "libcrypto (Debian's libssl3) is not installed");
    hashers = LibcryptoDigest.hashers().orElseThrow();
  }

  @Test
  void knownAnswers() {
    assertThat(hex(hashers.apply("SHA-256").digest(new byte[0])))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(hex(hashers.apply("SHA-256").digest("abc".getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(hex(hashers.apply("SHA-512").digest("abc".getBytes(StandardCharsets.US_ASCII))))
        .startsWith("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a")
        .hasSize(128);
    assertThat(hashers.apply("SHA-256").getDigestLength()).isEqualTo(32);
  }

  @Test
  void theHashersBoundInBackgroundAreLibcryptos() {
    Function<String, MessageDigest> background = LibcryptoDigest.hashersBoundInBackground();

    MessageDigest sha256 = background.apply("SHA-256");
    assertThat(sha256).isInstanceOf(LibcryptoDigest.class);
    assertThat(hex(sha256.digest("abc".getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void equalsTheJdkForUpdatesOfEverySizeAndOffset() throws Exception {
    Random random = new Random(42);
    byte[] data = new byte[3 << 20];
    random.nextBytes(data);
    for (String name : new String[] {"SHA-256", "SHA-512"}) {
      MessageDigest mine = hashers.apply(name);
      MessageDigest jdk = MessageDigest.getInstance(name);
      int at = 0;
      while (at < data.length) {
        // single bytes, tar headers, gathered and direct updates, from odd offsets
        int size =
            switch (random.nextInt(5)) {
              case 0 -> 1;
              case 1 -> 512;
              case 2 -> random.nextInt(70_000);
              case 3 -> 64 << 10;
              default -> random.nextInt(400_000);
            };
        size = Math.min(size, data.length - at);
        if (size == 1) {
          mine.update(data[at]);
          jdk.update(data[at]);
        } else {
          mine.update(data, at, size);
          jdk.update(data, at, size);
        }
        at += size;
      }
      assertThat(mine.digest()).as(name).isEqualTo(jdk.digest());
      // digest() resets: the same object hashes the next content from the start
      mine.update(data, 7, 100_000);
      jdk.update(data, 7, 100_000);
      assertThat(mine.digest()).as(name + " after digest()").isEqualTo(jdk.digest());
    }
  }

  @Test
  void aCloneContinuesFromWhereTheOriginalWas() throws Exception {
    MessageDigest original = hashers.apply("SHA-256");
    original.update("ab".getBytes(StandardCharsets.US_ASCII));
    original.update(new byte[200_000]); // some hashed natively, some gathered
    original.update("cd".getBytes(StandardCharsets.US_ASCII));
    MessageDigest copy = (MessageDigest) original.clone();
    original.update((byte) 'x');
    copy.update((byte) 'y');
    MessageDigest jdk = MessageDigest.getInstance("SHA-256");
    jdk.update("ab".getBytes(StandardCharsets.US_ASCII));
    jdk.update(new byte[200_000]);
    jdk.update("cd".getBytes(StandardCharsets.US_ASCII));
    MessageDigest jdkCopy = (MessageDigest) jdk.clone();
    jdk.update((byte) 'x');
    jdkCopy.update((byte) 'y');
    assertThat(original.digest()).isEqualTo(jdk.digest());
    assertThat(copy.digest()).isEqualTo(jdkCopy.digest());
  }

  @Test
  void resetForgetsWhatWasHashed() {
    MessageDigest digest = hashers.apply("SHA-256");
    digest.update(new byte[300_000]);
    digest.update((byte) 1);
    digest.reset();
    assertThat(hex(digest.digest()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void refusesARangeOutsideTheArray() {
    MessageDigest digest = hashers.apply("SHA-256");
    assertThatThrownBy(() -> digest.update(new byte[10], 5, 6))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void otherAlgorithmsComeFromTheJdk() {
    assertThat(hashers.apply("SHA-1")).isNotInstanceOf(LibcryptoDigest.class);
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
