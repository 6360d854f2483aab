package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestTest {
  private static final byte[] HELLO = "hello".getBytes(StandardCharsets.UTF_8);

  @Test
  void hashesAndParses() {
    Digest digest = Digest.sha256(HELLO);

    assertThat(digest)
        .hasToString("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assertThat(Digest.parse(digest.toString())).isEqualTo(digest);
    assertThat(Digest.parse("sha512:" + "0".repeat(128)).algorithm()).isEqualTo("sha512");
  }

  @Test
  void rejectsBadDigests() {
    assertThatThrownBy(() -> Digest.parse("sha256:ABC" + "0".repeat(61)))
        .hasMessageContaining("64 lowercase hex");
    assertThatThrownBy(() -> Digest.parse("sha1:" + "0".repeat(40)))
        .hasMessageContaining("unsupported digest algorithm \"sha1\"");
    assertThatThrownBy(() -> Digest.parse("")).hasMessage("digest is empty");
  }

  @Test
  void verifyingStreamPassesGoodContent() throws Exception {
    try (InputStream in = verifying(HELLO, Digest.sha256(HELLO), HELLO.length)) {
      assertThat(in.readAllBytes()).isEqualTo(HELLO);
    }
  }

  @Test
  void verifyingStreamFailsAtEndOnWrongContent() {
    Digest expected = Digest.sha256("other".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> verifying(HELLO, expected, HELLO.length).readAllBytes())
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining(expected.toString())
        .hasMessageContaining("hashes to " + Digest.sha256(HELLO));
  }

  @Test
  void verifyingStreamChecksSize() {
    Digest digest = Digest.sha256(HELLO);

    assertThatThrownBy(() -> verifying(HELLO, digest, 4).readAllBytes())
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("more than the expected 4 bytes");
    assertThatThrownBy(() -> verifying(HELLO, digest, 6).readAllBytes())
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("got 5 bytes, expected 6");
  }

  private static InputStream verifying(byte[] content, Digest digest, long size) {
    return new VerifyingInputStream(new ByteArrayInputStream(content), digest, size);
  }
}
