package dev.layercache.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegistryFailureTest {
  private static RegistryException status(int code) {
    return new RegistryException("HTTP " + code, code, List.of(), null);
  }

  @Test
  void namesTheKindFromTheStatusOrTheExceptionType() {
    assertThat(RegistryFailure.of(status(404))).contains(RegistryFailure.NOT_FOUND);
    assertThat(RegistryFailure.of(status(401))).contains(RegistryFailure.UNAUTHORIZED);
    assertThat(RegistryFailure.of(status(403))).contains(RegistryFailure.UNAUTHORIZED);
    assertThat(RegistryFailure.of(status(503))).contains(RegistryFailure.UNAVAILABLE);
    assertThat(RegistryFailure.of(status(-1))).contains(RegistryFailure.UNAVAILABLE);
    assertThat(
            RegistryFailure.of(
                new DigestMismatchException(
                    Digest.parse("sha256:" + "a".repeat(64)), "hashed to something else")))
        .contains(RegistryFailure.DIGEST_MISMATCH);
  }

  @Test
  void looksThroughWrappersAndIgnoresWhatIsNoRegistryFailure() {
    assertThat(RegistryFailure.of(new UncheckedIOException(status(404))))
        .contains(RegistryFailure.NOT_FOUND);
    assertThat(RegistryFailure.of(new IOException("disk full"))).isEmpty();
    assertThat(RegistryFailure.of(new IllegalStateException("bug"))).isEmpty();
  }
}
